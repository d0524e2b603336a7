"""docs/fidelity.md and the rules the embedded AWS enforces say the same thing."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from infra.embedded import moto_ext, reachability  # noqa: F401  (reachability defines rules)
from infra.embedded.moto_ext._rules import catalogue

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "fidelity.md"
_ROW = re.compile(r"^\| ([A-Z0-9-]+) \| (.+?) \| (https://\S+) \| `([\w.]+):(\w+)` \| "
                  r"`([\w/.]+)::(\w+)(?:\[([^\]]+)\])?` \|$")


def _rows() -> dict[str, re.Match[str]]:
    rows = [m for line in DOC.read_text(encoding="utf-8").splitlines()
            if (m := _ROW.match(line))]
    return {m.group(1): m for m in rows}


@pytest.fixture(scope="module")
def rules():
    moto_ext.install()  # imports every rule module of the package
    return {r.id: r for r in catalogue()}


def test_at_least_forty_rules_each_with_a_source(rules):
    assert len(rules) >= 40, len(rules)
    assert all(r.source.startswith("https://docs.aws.amazon.com/") for r in rules.values())


def test_the_doc_lists_exactly_the_enforced_rules(rules):
    rows = _rows()
    assert sorted(rows) == sorted(rules)
    for rule_id, row in rows.items():
        assert (row.group(2), row.group(3)) == (rules[rule_id].summary, rules[rule_id].source)


def test_each_row_names_a_real_function_and_test():
    for rule_id, row in _rows().items():
        module, function, test_file, test, param = row.group(4, 5, 6, 7, 8)
        assert callable(getattr(importlib.import_module(module), function)), rule_id
        text = (ROOT / test_file).read_text(encoding="utf-8")
        assert f"def {test}(" in text, (rule_id, test_file, test)
        if param and "-" in param and param.isupper():
            assert f'"{param}"' in text, (rule_id, param)
