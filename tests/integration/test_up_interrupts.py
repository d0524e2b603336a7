"""Stopping ``drill up`` at any moment leaves no process, listening socket or fault behind.

Each case starts ``drill up --scenario region-loss`` in a session of its own, waits (with a
deadline) for the journal event that marks the moment, presses Ctrl-C there (SIGINT), and
checks what people rely on: exit 3, the fault reverted and checked, the run folder written,
nothing of the run still running or listening (moto, both canaries and the proxy).
"""

from __future__ import annotations

import json
import signal

import boto3
import pytest

from drills.journal.active import ACTIVE_DIR
from tests.integration.test_interrupts import _session_members
from tests.upcli import UpProcess, listening_ports

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill]

# Fast: nothing here waits on a modelled duration except the promotion cut short mid-way.
UP_ARGS = ("--scenario", "region-loss", "--time-scale", "200", "--seed", "7")


def _promote_as_a_person(up: UpProcess) -> None:
    """promote-read-replica as a person's SDK sends it (no drill User-Agent)."""
    env = up.env()
    rds = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]).client(
        "rds", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"])
    rds.promote_read_replica(DBInstanceIdentifier="streamflix-db-replica-dev")


def _before_inject(up):
    up.wait_for("rehearsal.ready")  # serving, waiting for Enter or `drill inject`
    up.process.send_signal(signal.SIGINT)


def _mid_runbook(up):
    up.wait_for("phase.started", phase="recovery")  # injected, outage declared
    _promote_as_a_person(up)
    up.wait_for("operator.call", operation="PromoteReadReplica")  # promotion in flight
    up.process.send_signal(signal.SIGINT)


# Each case costs a deployment (~9 s of CPU); `drill down` is exercised by test_up.py.
CASES = {
    "ctrl-c-before-inject": ((), _before_inject),
    "ctrl-c-after-inject-mid-runbook": (("--inject-after", "0"), _mid_runbook),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_stopping_drill_up_leaves_nothing_behind(case, tmp_path):
    extra, stop = CASES[case]
    up = UpProcess(tmp_path, *UP_ARGS, *extra)
    try:
        stop(up)
        code = up.finish()
    finally:
        up.kill()
    assert code == 3, up.output()[-3000:]
    events = up.events()
    finished = [e for e in events if e["kind"] == "run.finished"]
    assert len(finished) == 1 and finished[0]["verdict"] == "aborted", finished
    assert finished[0]["reason"].startswith("interrupted by SIGINT"), finished
    injected = [e for e in events if e["kind"] == "fault.injected"]
    reverted = [e for e in events if e["kind"] == "fault.reverted" and e["verified"] is True]
    assert len(reverted) == len(injected) == (0 if case.endswith("before-inject") else 1)
    assert not list((up.runs_dir / ACTIVE_DIR).glob("*.json")), "active entry left behind"
    assert _session_members(up.process.pid) == []
    ports = up.ports()
    assert len(ports) >= 4, ports  # moto, proxy and two canaries
    assert not ports & listening_ports()
    evidence = json.loads((up.run_dir() / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["verdict"] == "aborted"
