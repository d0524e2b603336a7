from __future__ import annotations

import pytest

from drills.settings.config import load_settings
from infra.core.errors import ConfigError


def test_defaults_match_the_deployment_guide():
    s = load_settings()
    assert (s.primary_region, s.dr_region) == ("eu-west-2", "us-east-1")
    assert s.primary_stack == "streamflix-dr-primary-dev"
    assert s.dr_stack == "streamflix-dr-secondary-dev"
    assert s.replica_id == "streamflix-db-replica-dev"
    assert s.dr_service == "streamflix-service-dr-dev"
    assert s.rto_objective_s == 900


@pytest.mark.parametrize(("overrides", "message"), [
    ({"environment_suffix": ""}, "environment_suffix"),
    ({"environment_suffix": "Prod_1"}, "environment_suffix"),
    ({"primary_region": "eu-west-9"}, "'eu-west-9' is not an AWS region"),
    ({"dr_region": "mars-1"}, "dr_region"),
    ({"db_password": "short"}, "db_password: must be 8-41"),
    ({"db_password": "has space in it"}, "db_password"),
    ({"time_scale": 0}, "time_scale"),
], ids=["empty-suffix", "bad-suffix", "unknown-primary", "unknown-dr", "short-password",
        "password-space", "zero-scale"])
def test_bad_values_are_one_clear_config_error(overrides, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(overrides=overrides)
    assert "\n" not in str(info.value)


def test_a_bad_password_is_never_echoed():
    with pytest.raises(ConfigError) as info:
        load_settings(overrides={"db_password": "bad pass word"})
    assert "bad pass word" not in str(info.value)


def test_config_file_values_apply_and_overrides_win(tmp_path):
    cfg = tmp_path / "drill.toml"
    cfg.write_text('environment_suffix = "staging"\ntime_scale = 30\n')
    s = load_settings(cfg, {"time_scale": 90})
    assert (s.environment_suffix, s.time_scale) == ("staging", 90)


def test_missing_and_malformed_config_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("time_scale = = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("tiem_scale = 3")
    with pytest.raises(ConfigError, match="tiem_scale"):
        load_settings(unknown)


def test_password_is_hidden_in_repr():
    s = load_settings(overrides={"db_password": "Visible-Pass-123"})
    assert "Visible-Pass-123" not in repr(s)
    assert s.secrets() == ("Visible-Pass-123",)
