"""Trend of past runs: scan a runs directory, compare each run with the one before it.

Every subfolder holding an ``evidence.json`` is a run. A folder whose evidence is missing or
unreadable is skipped with a note, never fatal: a history page must survive one bad run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reports.evidence import EVIDENCE_FILE, load_evidence
from reports.html import template_environment
from reports.records import Evidence

__all__ = ["HistoryScan", "RunSummary", "SkippedRun", "Trend", "scan_runs", "write_history"]

log = logging.getLogger(__name__)

Trend = Literal["first", "better", "worse", "same", "n/a"]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One past run as the history page lists it; trends compare with the previous run."""

    run_id: str
    path: Path
    scenario: str
    backend: str
    environment: str
    verdict: str
    passed: bool
    started_at: str | None
    rto_seconds: float | None
    rpo_seconds: float | None
    rto_objective: float | None
    rpo_objective: float | None
    rto_delta: float | None = None
    rpo_delta: float | None = None
    rto_trend: Trend = "first"
    rpo_trend: Trend = "first"


@dataclass(frozen=True, slots=True)
class SkippedRun:
    """A folder left out of the history, and why."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class HistoryScan:
    """The runs found, oldest first, and the folders skipped."""

    runs: tuple[RunSummary, ...]
    skipped: tuple[SkippedRun, ...]


def _summary(ev: Evidence, path: Path) -> RunSummary:
    return RunSummary(ev.run_id, path, ev.scenario, ev.backend, ev.environment, ev.verdict,
                      ev.passed, ev.started_at, ev.rto_seconds, ev.rpo_seconds,
                      ev.objectives.rto_seconds, ev.objectives.rpo_seconds)


def _trend(now: float | None, before: float | None) -> tuple[float | None, Trend]:
    if now is None or before is None:
        return None, "n/a"
    delta = now - before
    # Lower recovery time and data loss are better.
    return delta, "same" if abs(delta) < 1e-9 else ("better" if delta < 0 else "worse")


def _with_trends(runs: Sequence[RunSummary]) -> tuple[RunSummary, ...]:
    last: dict[tuple[str, str], RunSummary] = {}
    out = []
    for run in runs:
        prev = last.get((run.scenario, run.backend))
        if prev is not None:
            rto_delta, rto_trend = _trend(run.rto_seconds, prev.rto_seconds)
            rpo_delta, rpo_trend = _trend(run.rpo_seconds, prev.rpo_seconds)
            run = dataclasses.replace(run, rto_delta=rto_delta, rto_trend=rto_trend,
                                      rpo_delta=rpo_delta, rpo_trend=rpo_trend)
        last[(run.scenario, run.backend)] = run
        out.append(run)
    return tuple(out)


def _load(folder: Path) -> RunSummary | SkippedRun:
    path = folder / EVIDENCE_FILE
    if not path.is_file():
        return SkippedRun(folder, f"no {EVIDENCE_FILE} (not published, or still running)")
    try:
        return _summary(load_evidence(path), folder)
    except (OSError, ValueError, TypeError, json.JSONDecodeError) as exc:
        return SkippedRun(folder, f"unreadable {EVIDENCE_FILE}: {exc}")


def scan_runs(runs_dir: Path) -> HistoryScan:
    """Every run under ``runs_dir``, oldest first with trends; unreadable folders skipped."""
    runs: list[RunSummary] = []
    skipped: list[SkippedRun] = []
    # Dot folders (.active, .cleanup) hold the drill's bookkeeping, not runs.
    folders = sorted(p for p in Path(runs_dir).iterdir()
                     if p.is_dir() and not p.name.startswith(".")) if Path(
        runs_dir).is_dir() else []
    for folder in folders:
        found = _load(folder)
        if isinstance(found, SkippedRun):
            log.warning("history: skipped %s: %s", found.path, found.reason)
            skipped.append(found)
        else:
            runs.append(found)
    runs.sort(key=lambda r: (r.started_at or "", r.run_id))
    return HistoryScan(_with_trends(runs), tuple(skipped))


def write_history(runs_dir: Path, out: Path) -> HistoryScan:
    """Write the trend page (table and RTO/RPO chart against objectives) to ``out``."""
    scan = scan_runs(runs_dir)
    points = [(r.run_id, r.rto_seconds, r.rto_objective, r.rpo_seconds, r.rpo_objective)
              for r in scan.runs]
    from reports.chart import trend_svg  # matplotlib only when a chart is drawn

    chart = trend_svg(points) if points else ""
    html = template_environment().get_template("history.html.j2").render(
        scan=scan, chart=chart, runs_dir=str(runs_dir))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(html, encoding="utf-8")
    return scan
