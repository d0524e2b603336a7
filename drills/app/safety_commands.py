"""What ``drill abort`` and ``drill cleanup`` do, and what they print."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from drills.journal import active
from drills.journal.timeline import read_events
from drills.safety.cleanup import cleanup_run, faults_from_journal
from infra.core.errors import ConfigError
from reports import run_folder

__all__ = ["abort_runs", "cleanup_and_show"]


def abort_runs(runs_dir: Path, run_dir: Path | None, *, timeout_s: float, out: Console) -> int:
    """Send each running drill (or the one in ``run_dir``) SIGTERM and wait for it to exit.

    Returns 0 when every signalled drill reverted its faults (verified) and finished, else 1.
    """
    runs = _targets(runs_dir, run_dir)
    ok = True
    for run in runs:
        if not run.is_running():
            out.print(f"[yellow]stale:[/] {escape(run.run_id)}: its drill (pid {run.pid}) is "
                      "gone without finishing; run "
                      f"`drill cleanup --run {escape(str(run.run_dir))}`", soft_wrap=True)
            ok = False
            continue
        run.signal()
        out.print(f"sent SIGTERM to the drill of {escape(run.run_id)} (pid {run.pid}); waiting "
                  f"up to {timeout_s:g}s for it to revert and exit", soft_wrap=True)
        if not active.wait_until_gone(run, timeout_s=timeout_s):
            out.print(f"[red]still running[/] after {timeout_s:g}s: pid {run.pid}",
                      soft_wrap=True)
            ok = False
            continue
        ok = _report_run(run.run_dir, out) and ok
    return 0 if ok else 1


def _targets(runs_dir: Path, run_dir: Path | None) -> list[active.ActiveRun]:
    if run_dir is not None:
        entry = active.entry_path(run_dir)
        runs = [r for r in active.active_runs(Path(run_dir).parent) if r.entry == entry]
        if not runs:
            raise ConfigError(f"no running drill has its run folder at {str(run_dir)!r}: it "
                              "has finished, or it was not started with that --out folder")
        return runs
    runs = active.active_runs(runs_dir)
    if not runs:
        raise ConfigError(f"no drill is running under {str(runs_dir)!r}; pass the run folder "
                          "with --run, or the runs folder with --runs")
    return runs


def _report_run(run_dir: Path, out: Console) -> bool:
    """Print what the stopped drill journaled; True when it reverted everything and finished."""
    events = list(read_events(run_dir / run_folder.JOURNAL))
    faults = faults_from_journal(events)
    for f in faults:
        colour = "green" if f.state == "reverted" else "red"
        out.print(f"  {escape(f.fault)} on {escape(f.target)}: [{colour}]{f.state}[/]"
                  + (f" ({escape(f.error)})" if f.error else ""), soft_wrap=True)
    finished = next((e for e in reversed(events) if e.get("kind") == "run.finished"), None)
    if finished is None:
        out.print(f"  [red]no run.finished in {escape(str(run_dir))}[/]: run "
                  f"`drill cleanup --run {escape(str(run_dir))}`", soft_wrap=True)
        return False
    out.print(f"  stopped: verdict {finished.get('verdict')}, exit code "
              f"{finished.get('exit_code')}: {escape(str(finished.get('reason', '')))}",
              soft_wrap=True)
    return all(f.state == "reverted" for f in faults)


def cleanup_and_show(run_dir: Path, *, out: Console,
                     clients: Callable[[], Any] | None = None) -> int:
    """Finish a run's cleanup from its journal and show each fault; 0 when nothing is left."""
    result = cleanup_run(run_dir, clients=clients)
    if result.already_done:
        out.print(f"{escape(result.run_id)}: already cleaned up (see {result.journal}); "
                  "nothing to do", soft_wrap=True)
        return 0
    out.print(f"cleanup of {escape(result.run_id)} ({result.backend} backend)", soft_wrap=True)
    for o in result.outcomes:
        state = o.record.state.replace("_", " ") + (f": {o.record.error}" if o.record.error
                                                    else "")
        out.print(f"  {escape(o.record.fault)} on {escape(o.record.target)}, injected "
                  f"{o.record.injected_wall}: the drill left it {escape(state)}\n"
                  f"    what it did: {escape(o.did)}\n    cleanup: {escape(o.action)}",
                  soft_wrap=True)
    if not result.outcomes:
        out.print("  the run injected no fault; nothing to clean up")
    out.print(f"{len(result.unreverted)} unreverted fault(s); "
              f"{'all resolved' if result.resolved else 'NOT all resolved'}; "
              f"cleanup journal: {result.journal}", soft_wrap=True)
    return 0 if result.resolved else 1
