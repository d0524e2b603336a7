"""``drill run --backend aws`` end to end, against a live embedded world (``drill up``).

``drill up`` serves the deployed stack with nothing injected; a shell that sourced its
``env.sh`` is, to the aws backend, an AWS account: ``AWS_ENDPOINT_URL`` and credentials for
boto3, ``http_proxy`` for the application's real DNS names. The aws-backend drill finds the
stacks without deploying, passes the target guard and the preflight gate (with RDS's
ReplicaLag read from CloudWatch), loses the primary region through a FIS experiment, runs
the failover runbook, measures, and stops the experiment. The world's own ground truth
shows the region going down when the experiment started and coming back when it stopped.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import pytest

from tests.drillcli import drill_command
from tests.upcli import TIMEOUT_S, UpProcess

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.region_loss]

SCALE = "120"
CONFIG = """backend = "aws"
allowed_accounts = ["123456789012"]
fis_role_arn = "arn:aws:iam::123456789012:role/streamflix-fis"
stop_alarm_arns = ["arn:aws:cloudwatch:eu-west-2:123456789012:alarm:streamflix-drill-stop"]
"""


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


@pytest.fixture(scope="module")
def live_run(tmp_path_factory):
    """An aws-backend drill against ``drill up``; its result, journal and the world's truth."""
    base = tmp_path_factory.mktemp("aws-live")
    (base / "world").mkdir()
    up = UpProcess(base / "world", "--time-scale", SCALE, "--seed", "7",
                   "--latency", "rds_promote=240")
    try:
        env = up.env()
        (base / "aws.toml").write_text(CONFIG, encoding="utf-8")
        result = subprocess.run(
            drill_command("--config", str(base / "aws.toml"), "run", "region-loss",
                          "--time-scale", SCALE, "--out", str(base / "runs")),
            env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        fis = boto3.client("fis", region_name="eu-west-2", endpoint_url=env["AWS_ENDPOINT_URL"],
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        templates = fis.list_experiment_templates()["experimentTemplates"]
        experiments = [fis.get_experiment(id=e["id"])["experiment"]
                       for e in fis.list_experiments()["experiments"]]
        down = up.drill("down", "--timeout", "120")
        assert down.returncode in (0, 3), down.stdout + down.stderr
        up.finish()
    finally:
        up.kill()
    runs = [p for p in (base / "runs").glob("[!.]*") if p.is_dir()]
    world = up.run_dir()
    assert world is not None
    return {"result": result, "run_dir": runs[0] if runs else None, "templates": templates,
            "experiments": experiments, "truth": _lines(world / "ground_truth.jsonl")}


def test_the_drill_passes_on_the_aws_backend(live_run):
    result = live_run["result"]
    shown = f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == 0, shown
    evidence = json.loads((live_run["run_dir"] / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["backend"] == "aws" and evidence["verdict"] == "passed", shown
    assert 240 <= evidence["rto_seconds"] <= 900, evidence["rto_seconds"]


def test_the_region_was_lost_by_a_fis_experiment_that_was_stopped_and_deleted(live_run):
    journal = _lines(live_run["run_dir"] / "timeline.jsonl")
    kinds = [e["kind"] for e in journal]
    assert "fault.injected" in kinds
    reverted = [e for e in journal if e["kind"] == "fault.reverted"]
    assert [(e["fault"], e["verified"]) for e in reverted] == [("region-outage", True)]
    preflight = next(e for e in journal if e["kind"] == "preflight")
    assert preflight["passed"], preflight  # ReplicaLag read from CloudWatch, among others
    assert live_run["templates"] == [], "the drill left its experiment template behind"
    [experiment] = live_run["experiments"]
    assert experiment["state"]["status"] == "stopped"
    assert experiment["tags"]["DrillRun"] == live_run["run_dir"].name


def test_the_worlds_truth_shows_the_region_down_for_the_experiment(live_run):
    truth = live_run["truth"]
    fis = [e for e in truth if e.get("transition", "").startswith("fis.")]
    assert [e["transition"] for e in fis] == ["fis.started", "fis.ended"], fis
    down = [e for e in truth if e["kind"] == "region.down"]
    up = [e for e in truth if e["kind"] == "region.up"]
    assert [e["region"] for e in down] == [e["region"] for e in up] == ["eu-west-2"]
    assert down[0]["t"] == pytest.approx(fis[0]["t"], abs=1.0)
    assert up[0]["t"] == pytest.approx(fis[1]["t"], abs=1.0)
