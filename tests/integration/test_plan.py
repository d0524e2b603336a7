"""``drill plan`` against a deployed target changes nothing: moto's own request log says so.

The target is a moto server in its own process with moto's request recorder on, so what is
counted is what reached the server, whichever client sent it.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from drills.app.cli import cli
from infra.aws import ClientFactory
from infra.core.actions import is_mutating

__all__: list[str] = []

FEATURE = Path(__file__).resolve().parents[2] / "features" / "region_loss.feature"

_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("http://%s:%d" % server.get_host_and_port(), flush=True)
sys.stdin.read()
server.stop()
"""

_CONFIG = """
allowed_accounts = ["123456789012"]
fis_role_arn = "arn:aws:iam::123456789012:role/streamflix-dr-fis-dev"
stop_alarm_arns = ["arn:aws:cloudwatch:eu-west-2:123456789012:alarm:streamflix-dr-stop"]
"""


@pytest.fixture(scope="module")
def recorded_moto(tmp_path_factory):
    """The URL of a moto server in a subprocess that can log every request it receives."""
    folder = tmp_path_factory.mktemp("moto")
    log, errors = folder / "requests.jsonl", folder / "stderr.txt"
    env = {**os.environ, "MOTO_RECORDER_FILEPATH": str(log)}
    env.pop("MOTO_ENABLE_RECORDING", None)  # recording starts only when a test asks for it
    with errors.open("w") as stderr:
        proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=stderr, env=env, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        try:
            url = lines.get(timeout=60).strip()  # the server prints its URL once it listens
        except queue.Empty:
            url = ""
        assert url.startswith("http://127.0.0.1:"), f"moto did not start: {errors.read_text()}"
        yield url
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def _deploy_stand_ins(url: str) -> None:
    """Both stacks with the guide's names, tags and the outputs the plan names."""
    clients = ClientFactory(endpoint_url=url)
    outputs = {"primary": {"HostedZoneId": "ZPLANTEST1", "AppDNSName": "app.dev.example.com",
                           "PrimaryHealthCheckId": "hc-plan-1"},
               "dr": {"ALBDNSName": "dr-alb.us-east-1.example.com"}}
    for region, name, env, role in (("eu-west-2", "streamflix-dr-primary-dev", "dev", "primary"),
                                    ("us-east-1", "streamflix-dr-secondary-dev", "dev-dr", "dr")):
        template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
                    "Outputs": {k: {"Value": v} for k, v in outputs[role].items()}}
        clients.client("cloudformation", region).create_stack(
            StackName=name, TemplateBody=json.dumps(template),
            Tags=[{"Key": "Environment", "Value": env}])


def _recorder(url: str, command: str) -> str:
    answer = requests.post(f"{url}/moto-api/recorder/{command}", timeout=10)
    answer.raise_for_status()
    return answer.text


def _requests(recording: str) -> list[tuple[str, str, bool]]:
    """(service, operation, mutating) of every recorded request, in order."""
    found = []
    for line in recording.splitlines():
        entry = json.loads(line)
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        body = entry.get("body") or ""
        body = base64.b64decode(body).decode() if entry.get("body_encoded") else body
        service = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/",
                            headers.get("authorization", "")).group(1)
        if "x-amz-target" in headers:  # JSON protocol
            operation = headers["x-amz-target"].rsplit(".", 1)[-1]
            found.append((service, operation, is_mutating(operation)))
        elif "Action=" in body:  # query protocol
            operation = parse_qs(body)["Action"][0]
            found.append((service, operation, is_mutating(operation)))
        else:  # REST protocols: only GET and HEAD read
            operation = f"{entry['method']} {urlsplit(entry['url']).path}"
            found.append((service, operation, entry["method"] not in ("GET", "HEAD")))
    return found


def test_plan_against_a_deployed_target_sends_no_mutating_request(recorded_moto, tmp_path):
    url = recorded_moto
    _deploy_stand_ins(url)
    config = tmp_path / "drill.toml"
    config.write_text(_CONFIG, encoding="utf-8")
    _recorder(url, "reset-recording")
    _recorder(url, "start-recording")
    result = CliRunner().invoke(cli, ["--config", str(config), "plan", str(FEATURE),
                                      "--backend", "aws", "--endpoint-url", url])
    _recorder(url, "stop-recording")
    sent = _requests(_recorder(url, "download-recording"))

    assert result.exit_code == 0, result.output
    operations = [op for _service, op, _mutating in sent]
    assert {"GetCallerIdentity", "DescribeStacks"} <= set(operations), operations
    assert [r for r in sent if r[2]] == [], f"mutating requests reached the target: {sent}"
    assert "account 123456789012 · target guard passes" in result.output


def test_plan_lists_the_failover_in_order_with_the_fault_and_its_revert(recorded_moto,
                                                                         tmp_path):
    url = recorded_moto
    config = tmp_path / "drill.toml"
    config.write_text(_CONFIG, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "plan", str(FEATURE),
                                      "--backend", "aws", "--endpoint-url", url])
    assert result.exit_code == 0, result.output
    text = result.output
    order = ["fis:CreateExperimentTemplate", "rds:PromoteReadReplica", "ecs:UpdateService",
             "route53:ChangeResourceRecordSets", "route53:UpdateHealthCheck",
             "phase revert:", "fis:StopExperiment", "phase teardown:"]
    positions = [text.find(marker) for marker in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))
    assert "fault region-outage on eu-west-2" in text
    assert "  revert: stop the experiment (FIS undoes what its actions changed)" in text
    assert "action isolate-region-subnets: aws:network:disrupt-connectivity" in text
    # Names read from the deployed stacks, not placeholders.
    change = next(line for line in text.splitlines() if "ChangeResourceRecordSets" in line)
    assert "ZPLANTEST1: UPSERT CNAME app.dev.example.com -> dr-alb.us-east-1.example.com" \
        in change, change
    assert "skipped: the stack exists (CREATE_COMPLETE)" in text


def test_a_target_the_guard_refuses_exits_3_after_the_plan(recorded_moto, tmp_path):
    config = tmp_path / "drill.toml"
    config.write_text('allowed_accounts = ["111122223333"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "plan", str(FEATURE),
                                      "--backend", "aws", "--endpoint-url", recorded_moto])
    assert result.exit_code == 3, result.output
    assert "rds:PromoteReadReplica" in result.output
    assert ("the target guard would refuse this target: refusing to touch account "
            "123456789012: account '123456789012' is not in allowed_accounts") in result.output
