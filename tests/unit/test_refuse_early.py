"""What `drill run` checks before anything starts: runs folder, guard without AWS, latency."""

from __future__ import annotations

import pytest

from drills.journal.runinfo import check_runs_dir
from drills.safety.target_guard import TargetGuard
from drills.settings.config import load_settings
from infra.core.errors import ConfigError, SafetyRefusal


def test_a_missing_runs_folder_is_created_and_left_empty(tmp_path):
    runs = tmp_path / "a" / "runs"
    assert check_runs_dir(runs) == runs
    assert runs.is_dir() and list(runs.iterdir()) == []


@pytest.mark.parametrize("where", ["file/runs", "file"], ids=["under-a-file", "a-file"])
def test_a_runs_folder_that_cannot_be_written_is_bad_input(tmp_path, where):
    (tmp_path / "file").write_text("not a folder\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot write run folders to .*--out"):
        check_runs_dir(tmp_path / where)


def test_the_default_embedded_settings_pass():
    TargetGuard(load_settings()).check_settings()


def test_an_embedded_allowlist_without_moto_s_account_is_refused():
    settings = load_settings(overrides={"allowed_accounts": ["111122223333"]})
    with pytest.raises(SafetyRefusal) as refused:
        TargetGuard(settings).check_settings()
    assert "account '123456789012' (the embedded backend's) is not in allowed_accounts " \
           "['111122223333']" in str(refused.value)


def test_a_production_suffix_is_refused_unless_allowed():
    with pytest.raises(SafetyRefusal, match="environment suffix 'prod'"):
        TargetGuard(load_settings(overrides={"environment_suffix": "prod"})).check_settings()
    allowed = load_settings(overrides={"environment_suffix": "prod", "allow_production": True})
    TargetGuard(allowed).check_settings()


def test_on_the_aws_backend_the_account_is_left_to_the_real_check():
    settings = load_settings(overrides={"backend": "aws", "allowed_accounts": ["111122223333"]})
    TargetGuard(settings).check_settings()


@pytest.mark.parametrize(("latency", "expected"), [
    ({"rds_promot": 60.0}, r"unknown latency name\(s\) \['rds_promot'\]"),
    ({"rds_promote": -1.0}, "latencies are drill seconds >= 0"),
], ids=["unknown-name", "negative"])
def test_latency_overrides_are_checked_with_the_settings(latency, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(overrides={"latency": latency})
