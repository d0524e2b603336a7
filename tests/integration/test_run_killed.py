"""A drill killed with SIGKILL mid-runbook: the journal still parses, the report still builds."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from tests.drillcli import LaunchedDrill, drill_command, drill_env

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first


@pytest.fixture(scope="module")
def killed_run(shared_drill_alongside, tmp_path_factory) -> Path:
    """The run folder of a drill killed with SIGKILL once its runbook had started."""
    with LaunchedDrill(tmp_path_factory.mktemp("killed-drill"), drill_env()) as drill:
        run_dir = drill.wait_for_event("runbook.step.started")
        drill.process.send_signal(signal.SIGKILL)
        assert drill.process.wait(timeout=30) == -signal.SIGKILL
    return run_dir


def test_every_journal_line_parses(killed_run):
    lines = (killed_run / "timeline.jsonl").read_bytes().decode("utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    kinds = [event["kind"] for event in events]
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    assert "runbook.step.started" in kinds and "run.finished" not in kinds


def test_drill_report_rebuilds_an_incomplete_report(killed_run):
    done = subprocess.run(drill_command("report", str(killed_run)), capture_output=True,
                          text=True, env=drill_env(), timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    evidence = json.loads((killed_run / "evidence.json").read_text(encoding="utf-8"))
    assert (evidence["verdict"], evidence["passed"], evidence["finished_at"]) == (
        "incomplete", False, None)
    assert 'data-verdict="incomplete"' in (killed_run / "report.html").read_text(encoding="utf-8")
