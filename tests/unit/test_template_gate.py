"""The templates' contract with the drill, and cfn-lint before a deploy (infra/template_gate)."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest

from drills.settings.config import load_settings
from infra.core.errors import ConfigError
from infra.deploy import DrOutputs, PrimaryOutputs
from infra.template_gate import DR, OUTPUTS, PRIMARY, TEMPLATES, check_templates

__all__: list[str] = []


def _copy(tmp_path, edit=None, old="", new=""):
    folder = shutil.copytree(TEMPLATES, tmp_path / "lib")
    if edit is not None:
        path = folder / f"{edit}.yaml"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")
    return load_settings(overrides={"templates_dir": folder})


def test_the_contract_names_every_output_the_drill_reads():
    assert set(OUTPUTS[PRIMARY]) == {f.name for f in dataclasses.fields(PrimaryOutputs)}
    assert set(OUTPUTS[DR]) == {f.name for f in dataclasses.fields(DrOutputs)}


def test_the_project_templates_are_lint_clean_and_digested(tmp_path):
    checked = check_templates(_copy(tmp_path))
    assert checked.warnings == ()
    assert [(t.name, t.path.parent.name) for t in checked.templates] == [
        (PRIMARY, "lib"), (DR, "lib")]
    for t in checked.templates:
        assert t.sha256 == hashlib.sha256((TEMPLATES / f"{t.name}.yaml").read_bytes()).hexdigest()


@pytest.mark.parametrize("old, new, named", [
    ("\n  RDSReplicaEndpoint:\n", "\n  ReplicaEndpoint:\n", "output 'RDSReplicaEndpoint'"),
    ("\n  PrimaryRDSArn:\n", "\n  SourceArn:\n", "parameter 'PrimaryRDSArn'"),
], ids=["output", "parameter"])
def test_a_template_missing_the_contract_is_bad_input(tmp_path, old, new, named):
    with pytest.raises(ConfigError) as refused:
        check_templates(_copy(tmp_path, DR, old, new))
    assert named in str(refused.value)
    assert str(tmp_path / "lib" / f"{DR}.yaml") in str(refused.value)


def test_a_missing_folder_is_bad_input(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        check_templates(load_settings(overrides={"templates_dir": tmp_path / "nope"}))


def test_lint_findings_are_kept_on_disk_and_an_edited_template_is_linted_again(tmp_path,
                                                                               monkeypatch):
    from infra.template_gate import _checked

    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    settings = _copy(tmp_path)
    check_templates(settings)
    assert len(list(cache.rglob("*.lint.json"))) == 2  # one per template and region
    dr = tmp_path / "lib" / f"{DR}.yaml"
    dr.write_text(dr.read_text(encoding="utf-8").replace('Memory: "512"', 'Memory: "4096"'),
                  encoding="utf-8")
    for _ in range(2):  # linted, then read back from the disk as a new process would
        with pytest.raises(ConfigError, match="E3047"):
            check_templates(settings)
        _checked.cache_clear()
    assert len(list(cache.rglob("*.lint.json"))) == 3
    # The same bytes elsewhere: read from the disk, and the finding names the file linted.
    moved = shutil.copytree(tmp_path / "lib", tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="E3047") as refused:
        check_templates(load_settings(overrides={"templates_dir": moved}))
    assert str(moved / f"{DR}.yaml") in str(refused.value)
    assert len(list(cache.rglob("*.lint.json"))) == 3
