"""What the CLI commands do, and the tables they print."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from drills.config import Settings
from drills.errors import ConfigError

__all__ = ["deploy_and_show", "rebuild_report", "run_and_report", "show_history", "verify_run"]


def _stopwatch(out: Console) -> Any:
    start = time.monotonic()

    def show(message: str) -> None:
        out.print(f"[dim]{time.monotonic() - start:6.1f}s[/] {message}", soft_wrap=True)
    return show


def run_and_report(feature: Path, settings: Settings, *, out: Console, err: Console) -> int:
    """Run a feature's drills, publish each run folder, print summaries; the exit code."""
    from reports import publish
    from steps.runner import copy_results, run_feature

    out.print(f"[bold]drill[/] {feature} · backend {settings.backend} · time scale "
              f"{settings.time_scale:g}x · runs in {settings.runs_dir}/")
    with tempfile.TemporaryDirectory(prefix="drill-results-") as tmp:
        result = run_feature(feature, settings, progress=_stopwatch(out), results_dir=Path(tmp))
        if not result.drills:
            detail = "; ".join(result.failures) or f"pytest exit status {result.exit_status}"
            raise ConfigError(f"no scenario in {str(feature)!r} started a drill ({detail}). "
                              "Check that every step is one the drill knows.")
        codes = []
        for drill in result.drills:
            copy_results(Path(tmp), drill.run_dir)
            publish(drill.run_dir, signing_key=os.environ.get("DRILL_SIGNING_KEY"),
                    pushgateway_url=os.environ.get("DRILL_PUSHGATEWAY_URL"))
            codes.append(drill.exit_code if drill.exit_code is not None else 1)
            print_summary(drill.run_dir, out)
    if 3 in codes:
        return 3
    return max(codes)


def _fmt(seconds: Any) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:,.1f} s ({seconds / 60:.1f} min)" if seconds >= 60 else f"{seconds:.1f} s"


def print_summary(run_dir: Path, out: Console) -> None:
    """Print a run's verdict, RTO/RPO against objectives, phases and where the files are."""
    ev = json.loads((run_dir / "evidence.json").read_text(encoding="utf-8"))
    obj = ev.get("objectives", {})
    verdict = "PASSED" if ev.get("passed") else str(ev.get("verdict", "FAILED")).upper()
    colour = "green" if ev.get("passed") else "red"
    table = Table(title=f"{ev.get('scenario')}  [{colour}]{verdict}[/]", title_justify="left")
    for col in ("measure", "achieved", "objective", "met"):
        table.add_column(col)
    for key, label in (("rto_seconds", "RTO"), ("rpo_seconds", "RPO")):
        value, goal = ev.get(key), obj.get(key)
        met = value is not None and goal is not None and value <= goal
        table.add_row(label, _fmt(value), _fmt(goal), "[green]yes[/]" if met else "[red]no[/]")
    truth = ev.get("ground_truth") or {}
    if truth:
        table.add_row("RTO (ground truth)", _fmt(truth.get("rto_seconds")), "", "")
        table.add_row("RPO (ground truth)", _fmt(truth.get("rpo_seconds")), "", "")
    out.print(table)
    phases = Table(title="phases (drill time)", title_justify="left")
    for col in ("phase", "status", "duration"):
        phases.add_column(col)
    for p in ev.get("phases", []):
        phases.add_row(p.get("name", "?"), p.get("status", "?"), _fmt(p.get("duration_seconds")))
    out.print(phases)
    for reason in ev.get("reasons", []) or []:
        out.print(f"[red]•[/] {reason}", soft_wrap=True)
    out.print(f"run folder: {run_dir}\nreport:     {run_dir / 'report.html'}", soft_wrap=True)


def deploy_and_show(settings: Settings, *, out: Console) -> int:
    """Deploy on a fresh embedded AWS, verify, print the outputs, stop; the exit code."""
    from drills.clock import Clock
    from drills.backends import EmbeddedBackend

    with tempfile.TemporaryDirectory(prefix="drill-deploy-") as tmp:
        backend = EmbeddedBackend(settings, Clock(scale=settings.time_scale), Path(tmp),
                                  _stopwatch(out))
        try:
            backend.start()
            deployment = backend.deploy()
        finally:
            backend.stop()
    out.print(deployment)
    return 0


def verify_run(run_dir: Path, key: str | None, *, out: Console) -> int:
    """Check a run folder's integrity; 0 when intact, 1 when anything was altered."""
    from reports import verify

    if not Path(run_dir).is_dir():
        raise ConfigError(f"run folder {str(run_dir)!r} does not exist")
    result = verify(run_dir, key=key)
    out.print(result.describe() if hasattr(result, "describe") else result, soft_wrap=True)
    return 0 if result.ok else 1


def rebuild_report(run_dir: Path, *, out: Console) -> int:
    """Rebuild report.html from a run folder alone."""
    from reports import rebuild

    if not (Path(run_dir) / "timeline.jsonl").is_file():
        raise ConfigError(f"{str(run_dir)!r} is not a run folder (no timeline.jsonl)")
    path = rebuild(run_dir)
    out.print(f"report: {path}")
    return 0


def show_history(runs_dir: Path, out_file: Path | None, *, out: Console) -> int:
    """List past runs and write the trend page."""
    from reports import history

    if not Path(runs_dir).is_dir():
        raise ConfigError(f"runs folder {str(runs_dir)!r} does not exist")
    result = history(runs_dir, out_file)
    out.print(result)
    return 0
