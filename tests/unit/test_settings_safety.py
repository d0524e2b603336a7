"""Settings fields of the target guard and FIS: defaults per backend and validation."""

from __future__ import annotations

import pytest

from drills.settings.config import EMBEDDED_ACCOUNT, load_settings
from infra.core.errors import ConfigError

__all__: list[str] = []


def test_embedded_allowlist_defaults_to_motos_account_only():
    s = load_settings()
    assert s.allowed_accounts == (EMBEDDED_ACCOUNT,) == ("123456789012",)
    assert s.allow_production is False


def test_aws_backend_has_no_default_allowlist():
    with pytest.raises(ConfigError, match="the aws backend needs allowed_accounts") as info:
        load_settings(overrides={"backend": "aws"})
    assert "\n" not in str(info.value)


def test_aws_backend_takes_the_configured_accounts_from_the_file(tmp_path):
    cfg = tmp_path / "drill.toml"
    cfg.write_text('backend = "aws"\nallowed_accounts = ["111122223333"]\n'
                   'stop_alarm_arns = ["arn:aws:cloudwatch:eu-west-2:111122223333:alarm:x"]\n'
                   'fis_role_arn = "arn:aws:iam::111122223333:role/fis"\n')
    s = load_settings(cfg)
    assert s.allowed_accounts == ("111122223333",)
    assert s.stop_alarm_arns == ("arn:aws:cloudwatch:eu-west-2:111122223333:alarm:x",)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"allowed_accounts": ["12345"]}, "allowed_accounts: account ids are 12 digits"),
    ({"backend": "aws", "allowed_accounts": []}, "the aws backend needs allowed_accounts"),
    ({"stop_alarm_arns": ["my-alarm"]}, "stop_alarm_arns: each must be a CloudWatch alarm ARN"),
    ({"fis_role_arn": "fis-role"}, "fis_role_arn: must be an IAM role ARN"),
    ({"fault_duration_s": 30}, "fault_duration_s"),
    ({"allow_production": "perhaps"}, "allow_production"),
], ids=["short-account", "aws-empty-list", "alarm-name", "role-name", "short-fault",
        "production-not-bool"])
def test_bad_safety_values_are_one_clear_config_error(overrides, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(overrides=overrides)
    assert "\n" not in str(info.value)
