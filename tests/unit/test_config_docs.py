"""docs/config.md and drill.toml.example stay true to the Settings model."""

from __future__ import annotations

import re

import pytest

from drills.journal.runinfo import PROJECT_ROOT
from drills.settings.config import Settings, load_settings
from drills.settings.config_docs import BEGIN, END, MEANINGS, PAGE, settings_table

EXAMPLE = PROJECT_ROOT / "drill.toml.example"
FIELDS = list(Settings.model_fields)


def _page_table() -> str:
    text = PAGE.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{PAGE} lost its table markers"
    return text.split(BEGIN + "\n", 1)[1].split(END, 1)[0]


@pytest.mark.parametrize("name", FIELDS, ids=FIELDS)
def test_every_setting_has_a_row_in_docs_config_md(name):
    assert f"| `{name}` |" in _page_table(), (
        f"docs/config.md does not document {name!r}; add its meaning to "
        "drills/settings/config_docs.py MEANINGS and run "
        "`python -m drills.settings.config_docs --write`")


def test_the_table_in_docs_config_md_is_the_generated_one():
    assert _page_table() == settings_table(), (
        "docs/config.md is out of date: run "
        "`.venv/bin/python -m drills.settings.config_docs --write`")


def test_every_setting_has_a_meaning_and_no_meaning_is_left_over():
    described = {n for n, f in Settings.model_fields.items() if f.description}
    assert set(FIELDS) - described == set(MEANINGS), "MEANINGS and Settings differ"


def test_drill_toml_example_loads_as_it_is():
    settings = load_settings(EXAMPLE)
    assert settings.environment_suffix == "staging"
    assert settings.backend == "embedded"


def test_the_commented_out_settings_in_the_example_load_too(tmp_path):
    # Uncommenting every "# key = value" line, with the backend the aws block is for, must
    # give settings that load.
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    uncommented = [re.sub(r"^# (?=[a-z_]+ = )", "", line) for line in lines]
    assert uncommented != lines, "the example has no commented-out settings left"
    config = tmp_path / "drill.toml"
    config.write_text("\n".join(uncommented).replace('backend = "embedded"', 'backend = "aws"'),
                      encoding="utf-8")
    settings = load_settings(config)
    assert settings.allowed_accounts == ("111122223333",)
    assert settings.seed == 7
    assert settings.latency == {"rds_promote": 240.0, "route53_propagation": 60.0}
