"""The parts of ``drill up`` that need no embedded AWS: the operator journal, the inject
trigger, env.sh, and the report's view of the runbook people ran."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest

from drills.journal.timeline import Timeline
from drills.rehearsal.operator import OperatorJournal
from drills.rehearsal.session import InjectTrigger, UpReady, env_script
from drills.settings.config import load_settings
from infra.core.clock import FakeClock
from infra.embedded.moto_ext.api_calls import ApiCall, ApiOutcome, error_code
from reports.operator_steps import operator_steps
from reports.sources import read_journal

__all__: list[str] = []


def _call(service, operation, region, attempt=1):
    return ApiCall(service, operation, region, "aws-cli/1.46.3 md/Botocore#1.43.62", attempt)


@pytest.fixture
def journal(tmp_path):
    clock = FakeClock(scale=10.0)
    lost: set[str] = set()
    timeline = Timeline(tmp_path / "timeline.jsonl", clock)
    shown: list[str] = []
    ops = OperatorJournal(timeline, clock, lost_regions=lambda: frozenset(lost),
                          progress=shown.append)
    yield ops, clock, lost, tmp_path / "timeline.jsonl", shown
    timeline.close()


def test_each_call_is_journaled_with_its_drill_times_and_outcome(journal):
    ops, clock, _lost, path, shown = journal
    clock.advance(3.0)  # 30 drill seconds
    ops.finished(_call("rds", "PromoteReadReplica", "us-east-1"), ApiOutcome(200, None, 0.5))
    ops.finished(_call("route53", "GetChange", "us-east-1"), ApiOutcome(404, "NoSuchChange", 0.1))
    events = [json.loads(line) for line in path.read_text().splitlines()]
    seen = [(e["service"], e["operation"], e["region"], e["status"], e["error"]) for e in events]
    assert seen == [
        ("rds", "PromoteReadReplica", "us-east-1", "ok", None),
        ("route53", "GetChange", "global", "failed", "NoSuchChange (HTTP 404)")]
    assert (events[0]["started_at"], events[0]["t"], events[0]["duration_s"]) == (25.0, 30.0, 5.0)
    assert events[0]["client"] == "aws-cli/1.46.3"
    assert ops.first_call_since(26.0) == 29.0 and ops.first_call_since(31.0) is None
    assert shown[1] == "operator: route53 GetChange (global) FAILED: NoSuchChange (HTTP 404)"


def test_calls_to_a_lost_regions_regional_endpoints_are_refused(journal):
    ops, _clock, lost, _path, _shown = journal
    lost.add("eu-west-2")
    assert "eu-west-2" in ops.admit(_call("cloudformation", "DescribeStacks", "eu-west-2"))
    assert ops.admit(_call("cloudformation", "DescribeStacks", "us-east-1")) is None
    assert ops.admit(_call("route53", "ChangeResourceRecordSets", "eu-west-2")) is None


@pytest.mark.parametrize("body, code", [
    (b"<ErrorResponse><Error><Code>DBInstanceNotFound</Code></Error></ErrorResponse>",
     "DBInstanceNotFound"),
    (b'{"__type": "com.amazonaws.ecs#ClusterNotFoundException", "message": "x"}',
     "ClusterNotFoundException"),
    (b"", None),
], ids=["query-xml", "json", "empty"])
def test_error_code_is_read_from_either_protocol(body, code):
    assert error_code(body) == code


def test_retries_fold_into_one_runbook_step(journal):
    ops, clock, _lost, path, _shown = journal
    for attempt in (1, 2, 3):
        clock.advance(1.0)
        ops.finished(_call("cloudformation", "DescribeStacks", "eu-west-2", attempt),
                     ApiOutcome(503, "ServiceUnavailable", 0.1))
    clock.advance(1.0)
    ops.finished(_call("rds", "PromoteReadReplica", "us-east-1"), ApiOutcome(200, None, 0.1))
    steps = operator_steps(read_journal(path), 0.0)
    assert [(s.step, s.actor, s.status, s.start_offset_s, s.end_offset_s) for s in steps] == [
        ("cloudformation DescribeStacks", "operator", "failed", 9.0, 30.0),
        ("rds PromoteReadReplica", "operator", "ok", 39.0, 40.0)]
    assert steps[0].error == "ServiceUnavailable (HTTP 503) (after 3 attempts)"


def test_the_trigger_fires_on_request_even_from_a_signal_handler():
    trigger = InjectTrigger(after_s=30.0)
    previous = signal.signal(signal.SIGUSR1, lambda _s, _f: trigger.request("drill inject"))
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        assert trigger.wait() == "drill inject"
    finally:
        signal.signal(signal.SIGUSR1, previous)
        trigger.close()


def test_the_countdown_fires_by_itself():
    trigger = InjectTrigger(after_s=1e-6)
    try:
        assert trigger.wait() == "countdown"
    finally:
        trigger.close()


def test_a_negative_countdown_is_refused():
    with pytest.raises(ValueError, match="-1"):
        InjectTrigger(after_s=-1)


def test_env_sh_points_the_aws_cli_and_curl_at_the_stack(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    ready = UpReady(run_dir, run_dir / "env.sh", "http://127.0.0.1:5001", "http://127.0.0.1:5002",
                    "app.dev.example.com", "p.elb", "d.elb", "region-loss", 10.0)
    (run_dir / "env.sh").write_text(env_script(ready, load_settings()), encoding="utf-8")
    shell = subprocess.run(["bash", "-c", 'source "$1" && env', "-", str(run_dir / "env.sh")],
                           env={"PATH": "/usr/bin:/bin", "AWS_PROFILE": "prod"},
                           capture_output=True, text=True, check=True)
    env = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert (env["AWS_ENDPOINT_URL"], env["http_proxy"], env["AWS_DEFAULT_REGION"]) == (
        "http://127.0.0.1:5001", "http://127.0.0.1:5002", "eu-west-2")
    assert env["no_proxy"] == "127.0.0.1,localhost" and "AWS_PROFILE" not in env
    assert env["AWS_CONFIG_FILE"] == str(run_dir / "aws-config")
    assert env["DRILL_RUN"] == str(run_dir) and env["ENVIRONMENT_SUFFIX"] == "dev"
    # The user's own tools stay theirs; AWS names go through the proxy, trusting the world.
    assert env["PATH"] == "/usr/bin:/bin"
    assert env["https_proxy"] == env["HTTPS_PROXY"] == "http://127.0.0.1:5002"
    assert env["AWS_CA_BUNDLE"] == str(run_dir / "aws-ca.pem")
    assert env["AWS_DATA_PATH"] == str(run_dir / "aws-models")
    assert env["DB_USERNAME"] == "admin" and "DB_PASSWORD" not in env  # no secret file given
