"""The alert rules over the drill's metrics: valid for Prometheus, and right on known series."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from drills.journal.runinfo import PROJECT_ROOT

__all__: list[str] = []

RULES = PROJECT_ROOT / "infra" / "prometheus" / "drill-rules.yaml"
RULE_TESTS = RULES.with_name("drill-rules.test.yaml")
PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus)")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PROMTOOL), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_promtool_accepts_the_rules_file():
    done = _promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 10 rules found" in done.stdout


def test_the_rules_unit_tests_pass():
    done = _promtool("test", "rules", str(RULE_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout + done.stderr


def test_every_alert_is_exercised_by_the_unit_tests():
    import yaml

    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    fired = {case["alertname"] for t in tests for case in t.get("alert_rule_test", ())
             if case["exp_alerts"]}
    assert alerts == fired == {"DrDrillFailed", "DrDrillOverdue", "DrDrillRtoNearObjective",
                               "DrDrillForecastBelowTarget"}
