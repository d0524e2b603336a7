"""A realistic synthetic run folder, as a region-loss drill on the embedded backend leaves it.

The numbers are chosen so every measured value is known exactly: the primary region is lost
at t=120, probes every 10 s, the DR region answers healthy from t=580 (RTO 460 s), the last
acknowledged marker before the outage is #60 at t=118 and the newest surviving one #58 at
t=114 (RPO 4 s, markers 59 and 60 lost). Tests that should run against a real drill's folder
point ``DRILL_TEST_RUN_DIR`` at it; :func:`run_folder_for_tests` then copies it instead.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["REAL_RUN_ENV", "SyntheticRun", "build_run_folder", "run_folder_for_tests"]

REAL_RUN_ENV = "DRILL_TEST_RUN_DIR"
_BASE = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
_GHERKIN = """Feature: Region loss
  Scenario: Primary region lost, RTO under 15 minutes
    Given the StreamFlix stack is deployed in eu-west-2 and us-east-1
    When the primary region is lost
    And the failover runbook runs
    Then the service is healthy in us-east-1 within 15 minutes
    And no more than 5 seconds of acknowledged data is lost
"""


@dataclass(frozen=True, slots=True)
class SyntheticRun:
    """The values the synthetic folder was built to produce."""

    path: Path
    run_id: str
    rto_seconds: float
    rpo_seconds: float
    lost_markers: tuple[int, ...]
    finished: bool


class _Journal:
    def __init__(self, path: Path, scale: float) -> None:
        self.path, self.scale, self.seq, self.lines = path, scale, 0, []

    def wall(self, t: float) -> str:
        return (_BASE + timedelta(seconds=t / self.scale)).isoformat()

    def add(self, t: float, kind: str, **fields: Any) -> None:
        self.seq += 1
        self.lines.append(json.dumps({"seq": self.seq, "t": t, "wall": self.wall(t),
                                      "kind": kind, **fields}))

    def write(self, *, torn: bool) -> None:
        text = "".join(line + "\n" for line in self.lines)
        if torn:
            text += self.lines[-1][: len(self.lines[-1]) // 2]
        self.path.write_text(text, encoding="utf-8")


def _started(j: _Journal, run_id: str, rto_objective: float) -> None:
    j.add(0.0, "run.started", run_id=run_id, scenario="Primary region lost, RTO under 15 minutes",
          feature="features/region_loss.feature", gherkin=_GHERKIN, backend="embedded",
          environment="dev", time_scale=j.scale,
          objectives={"rto_seconds": rto_objective, "rpo_seconds": 5.0},
          probe_interval_seconds=10.0, marker_interval_seconds=2.0, recovery_consecutive=3,
          regions={"primary": "eu-west-2", "dr": "us-east-1"},
          stacks={"primary": "streamflix-dr-primary-dev", "dr": "streamflix-dr-secondary-dev"},
          account="embedded", operator="sre-oncall", tool_version="0.1.0",
          git_commit="51d0a66", seed=42, latency={"promote_replica_s": 240.0, "dns_ttl_s": 60.0})


_STEPS = (("promote_replica", "us-east-1", 150.0, 390.0), ("scale_dr_service", "us-east-1",
          390.0, 510.0), ("switch_dns", "us-east-1", 510.0, 520.0),
          ("verify_health", "us-east-1", 520.0, 600.0))


def _drill(j: _Journal) -> None:
    j.add(0.5, "phase.started", phase="deploy")
    j.add(60.0, "phase.finished", phase="deploy", status="ok")
    j.add(60.0, "phase.started", phase="baseline")
    j.add(120.0, "phase.finished", phase="baseline", status="ok")
    j.add(120.0, "phase.started", phase="fault")
    j.add(120.0, "fault.injected", fault="region-loss", target="eu-west-2")
    j.add(120.0, "phase.finished", phase="fault", status="ok")
    j.add(120.0, "phase.started", phase="failover")
    j.add(150.0, "outage.declared", by="route53-health-check")
    j.add(200.0, "api.retry", service="rds", operation="PromoteReadReplica",
          region="us-east-1", attempt=1, error="Throttling")
    for step, region, start, end in _STEPS:
        j.add(start, "runbook.step.started", step=step, region=region)
        j.add(end, "runbook.step.finished", step=step, region=region, status="ok",
              duration_s=end - start)
    j.add(600.0, "phase.finished", phase="failover", status="ok")


def _measure(j: _Journal, rto_objective: float) -> None:
    j.add(600.0, "measurement", rto_seconds=460.0, rpo_seconds=4.0, outage_start=120.0,
          detected_at=150.0, runbook_started_at=150.0, recovered_at=580.0, detect_seconds=30.0,
          decide_seconds=0.0, execute_seconds=430.0, lost_markers=[59, 60],
          last_acked_marker=60, newest_surviving_marker=58, served_region="us-east-1")
    j.add(600.0, "ground_truth", rto_seconds=455.2, rpo_seconds=3.1, outage_start=120.0,
          recovered_at=575.2, lost_markers=[59, 60])
    j.add(600.0, "phase.started", phase="revert")
    j.add(640.0, "fault.reverted", fault="region-loss", target="eu-west-2", verified=True)
    j.add(640.0, "phase.finished", phase="revert", status="ok")
    j.add(641.0, "finding", id="dns-ttl", severity="minor",
          message="Clients caching DNS beyond the 60 s TTL see the cutover later.",
          fix="Lower the record TTL before game days.")
    passed = 460.0 <= rto_objective
    j.add(645.0, "run.finished", verdict="passed" if passed else "failed", passed=passed,
          exit_code=0 if passed else 1, reason="objectives met" if passed else "RTO missed")


def _probes(path: Path, j: _Journal) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["seq", "t", "wall", "region", "status", "ok", "latency_ms", "error"])
        for seq, t in enumerate(range(0, 650, 10), start=1):
            if t < 120:
                row = ["eu-west-2", 200, "true", 41.5, ""]
            elif t < 520:
                row = ["", 0, "false", "", "connection reset"]
            elif t < 580:
                row = ["us-east-1", 503, "false", 88.0, "database is read-only"]
            else:
                row = ["us-east-1", 200, "true", 92.25, ""]
            out.writerow([seq, float(t), j.wall(t), *row])


def _markers(path: Path, j: _Journal) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["seq", "written_at", "wall", "acked", "region", "error"])
        for seq in range(1, 61):
            t = 2.0 * (seq - 1)
            out.writerow([seq, t, j.wall(t), "true", "eu-west-2", ""])
        for seq, t in enumerate(range(120, 580, 2), start=61):
            out.writerow([seq, float(t), j.wall(t), "false", "", "connection reset"])


def build_run_folder(path: Path, *, finished: bool = True, torn: bool = False,
                     rto_objective: float = 900.0, run_id: str = "20260314T093000Z-region-loss"
                     ) -> SyntheticRun:
    """Write a complete synthetic run folder into ``path`` (created if needed)."""
    path.mkdir(parents=True, exist_ok=True)
    j = _Journal(path / "timeline.jsonl", scale=60.0)
    _started(j, run_id, rto_objective)
    _drill(j)
    if finished:
        _measure(j, rto_objective)
    j.write(torn=torn)
    _probes(path / "probes.csv", j)
    _markers(path / "markers.csv", j)
    (path / "ground_truth.jsonl").write_text(
        json.dumps({"t": 575.2, "kind": "recovered", "region": "us-east-1"}) + "\n"
        + json.dumps({"t": 600.0, "kind": "ground_truth", "rto_seconds": 455.2,
                      "rpo_seconds": 3.1}) + "\n", encoding="utf-8")
    (path / "junit.xml").write_text('<testsuite name="drill" tests="1" failures="0"/>\n')
    return SyntheticRun(path, run_id, 460.0, 4.0, (59, 60), finished)


def run_folder_for_tests(dest: Path) -> Path:
    """A run folder to test against: a copy of ``$DRILL_TEST_RUN_DIR`` or a synthetic one."""
    real = os.environ.get(REAL_RUN_ENV)
    if real:
        shutil.copytree(real, dest, dirs_exist_ok=True)
        return dest
    return build_run_folder(dest).path
