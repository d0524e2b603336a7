"""The whole guide by hand: ``drill up --empty`` and the user's own aws CLI, v2 and v1.

Nothing is deployed: the test, as the people in the room, types the deployment guide's
steps 1-6 as written (``tests/guide/steps_1_6.sh``: ``create-stack`` with
``file://lib/...``, the waits, EFS replication) with an aws CLI that is not the project's,
in a shell that sourced env.sh and kept its own PATH; then the region is lost and it runs
the guide's failover. Each CLI: Debian's aws CLI v2 (2.9, older than ``AWS_ENDPOINT_URL``
support, so every call goes to the AWS name and only the world's edge keeps it on the
embedded AWS) and aws CLI v1 1.46.3 in a virtualenv of its own. The run must have
journaled every call as that CLI's, the deployment as people's, and measured the recovery
against ground truth; the generated database password is in no file of the run folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from tests.upcli import TIMEOUT_S, UpProcess, journal

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.region_loss]

UP_ARGS = ("--empty", "--scenario", "region-loss", "--time-scale", "60", "--seed", "7",
           "--latency", "rds_promote=240", "--linger", "120")
AWSCLI_V1 = "1.46.3"  # requirements-dev.txt's pin, installed apart from the project


def _debian_v2() -> Path:
    cli = Path("/usr/bin/aws")
    if not cli.exists():
        pytest.skip("Debian's aws CLI v2 is not installed (apt-get install awscli)")
    return cli


def _v1_virtualenv() -> Path:
    """aws CLI v1 in a virtualenv of its own ($DRILL_TEST_AWSCLI_V1, else built and cached)."""
    given = os.environ.get("DRILL_TEST_AWSCLI_V1")
    home = Path(given) if given else Path.home() / ".cache" / "streamflix-drills" / (
        f"awscli-{AWSCLI_V1}")
    cli = home / "bin" / "aws"
    if not cli.exists():
        made = subprocess.run(
            f"{sys.executable} -m venv {home} && {home}/bin/pip install -q awscli=={AWSCLI_V1}",
            shell=True, capture_output=True, text=True, timeout=600, check=False)
        if made.returncode != 0:
            pytest.skip(f"could not install awscli=={AWSCLI_V1} in a virtualenv: "
                        f"{made.stderr[-500:]}")
    return cli


CLIS = {"debian-v2": _debian_v2, "v1-virtualenv": _v1_virtualenv}


@dataclass
class ByHand:
    """What the people typed and saw, and what the run left."""

    cli: str
    version: str = ""
    shown: dict[str, str] = field(default_factory=dict)
    password: str = ""
    exit_code: int | None = None
    run_dir: Path | None = None
    log: str = ""


def _typed(up: UpProcess, script: str, seen: ByHand) -> str:
    done = up.shell(script)
    assert done.returncode == 0, f"{script} with {seen.cli}: exit {done.returncode}\n" + (
        done.stdout[-1500:] + done.stderr[-2000:])
    seen.shown[script] = done.stdout
    return done.stdout


def _rehearse(up: UpProcess, seen: ByHand) -> None:
    env = up.env(until="rehearsal.serving")
    seen.password = env["DB_PASSWORD"]
    seen.version = subprocess.run(["aws", "--version"], env=env, capture_output=True,
                                  text=True, timeout=60, check=True).stdout + ""
    _typed(up, "steps_1_6.sh", seen)
    up.wait_for("rehearsal.ready")
    # Any region, with AWS_ENDPOINT_URL or without: the embedded account answers.
    seen.shown["identity"] = up.aws("sts", "get-caller-identity", "--region", "ap-southeast-2",
                                    "--query", "Account", "--output", "text").stdout.strip()
    _typed(up, "before_outage.sh", seen)
    injected = up.drill("inject")
    assert injected.returncode == 0, injected.stdout + injected.stderr
    _typed(up, "failover.sh", seen)
    retrying = Retrying(stop=stop_after_delay(TIMEOUT_S), wait=wait_fixed(0.5),
                        retry=retry_if_result(lambda out: '"status": "ok"' not in out))
    seen.shown["verify.sh"] = retrying(lambda: up.shell("verify.sh").stdout)
    up.wait_for("measurement")
    down = up.drill("down", "--timeout", "120")
    assert down.returncode == 0, down.stdout + down.stderr


@pytest.fixture(scope="module", params=sorted(CLIS))
def by_hand(request, tmp_path_factory) -> ByHand:
    """One rehearsal from an empty world to the end, typed with one aws CLI."""
    seen = ByHand(request.param)
    up = UpProcess(tmp_path_factory.mktemp(request.param), *UP_ARGS,
                   aws_cli=CLIS[request.param]())
    try:
        _rehearse(up, seen)
        seen.exit_code = up.finish()
    finally:
        up.kill()
        seen.log, seen.run_dir = up.output(), up.run_dir()
    return seen



def test_the_users_own_cli_ran_the_guide(by_hand):
    major = "aws-cli/2." if by_hand.cli == "debian-v2" else f"aws-cli/{AWSCLI_V1}"
    assert by_hand.version.startswith(major), by_hand.version
    calls = [e for e in journal(by_hand.run_dir) if e["kind"] == "operator.call"]
    assert calls and all(c["client"].startswith(major) for c in calls), {
        c["client"] for c in calls}
    assert by_hand.shown["identity"] == "123456789012"


def test_steps_1_to_6_deployed_both_stacks_and_replication_by_hand(by_hand):
    shown = by_hand.shown["steps_1_6.sh"]
    assert "Primary RDS ARN: arn:aws:rds:eu-west-2:123456789012:db:streamflix-db-dev" in shown
    assert "EFS Replication configured from fs-" in shown and "available" in shown
    events = journal(by_hand.run_dir)
    made = [(e["service"], e["operation"], e["region"], e["status"]) for e in events
            if e["kind"] == "operator.call" and e["operation"].startswith("Create")]
    assert made == [("cloudformation", "CreateStack", "eu-west-2", "ok"),
                    ("cloudformation", "CreateStack", "us-east-1", "ok"),
                    ("efs", "CreateReplicationConfiguration", "eu-west-2", "ok")]
    deployed = next(e for e in events if e["kind"] == "rehearsal.deployed")
    first = min(e["started_at"] for e in events if e["kind"] == "operator.call")
    assert deployed["by"] == "people" and deployed["t"] > first and deployed["seconds"] > 0
    steps = deployed["steps"]  # each guide step people made, and how long it took
    assert [s["step"] for s in steps] == ["1", "2-3", "4", "5"], steps
    assert all(s["seconds"] > 0 for s in steps) and abs(steps[0]["started_at"] - first) < 0.01
    assert sum(s["seconds"] for s in steps) <= deployed["seconds"]
    probes = [e for e in events if e["kind"] == "phase.started" and e["phase"] == "steady-state"]
    assert probes[0]["seq"] > deployed["seq"]  # probing starts once people have deployed


def test_the_failover_by_hand_is_measured_against_ground_truth(by_hand):
    assert by_hand.exit_code in (0, 1), by_hand.log[-3000:]
    assert '"region": "us-east-1"' in by_hand.shown["verify.sh"]
    ev = json.loads((by_hand.run_dir / "evidence.json").read_text(encoding="utf-8"))
    truth = ev["ground_truth"]
    assert ev["rto_seconds"] is not None and truth["rto_seconds"] is not None
    assert abs(ev["rto_seconds"] - truth["rto_seconds"]) <= ev["probe_interval_seconds"]
    steps = [s["step"] for s in ev["runbook"] if s["actor"] == "operator"]
    assert "rds PromoteReadReplica" in steps and "cloudformation CreateStack" in steps


def test_the_generated_password_is_in_no_file_of_the_run(by_hand):
    assert len(by_hand.password) >= 8
    for path in by_hand.run_dir.rglob("*"):
        if path.is_file():
            assert by_hand.password.encode() not in path.read_bytes(), path
    assert by_hand.password not in by_hand.log
