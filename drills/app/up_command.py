"""What ``drill up``, ``drill inject`` and ``drill down`` do, and what they print."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from drills.journal import active
from drills.journal.timeline import read_events
from drills.rehearsal.session import (
    PLAIN,
    SCENARIOS,
    InjectTrigger,
    Scenario,
    UpReady,
    run_up,
)
from drills.safety.interrupts import held_signals
from drills.settings.config import Settings
from infra.core.clock import Clock
from infra.core.errors import ConfigError
from reports import run_folder

__all__ = ["down_runs", "inject_run", "up_and_report", "watching"]

_UP_SCENARIOS = frozenset({PLAIN, *SCENARIOS.values()})


def up_and_report(settings: Settings, *, scenario: Scenario | None,
                  inject_after_s: float | None, linger_s: float, out: Console,
                  err: Console, empty: bool = False) -> int:
    """Run ``drill up`` to its end, publish the run folder and print its summary."""
    from drills.app.dashboard import follow_runs
    from drills.journal.runinfo import check_runs_dir
    from drills.safety.target_guard import TargetGuard

    TargetGuard(settings).check_settings()
    check_runs_dir(settings.runs_dir)
    if not empty:
        from infra.template_gate import check_templates

        check_templates(settings)  # the templates' contract and cfn-lint, before anything starts
    dashboard = follow_runs(settings.runs_dir)
    try:
        return _up(settings, scenario, inject_after_s, linger_s, empty, dashboard.url, out, err)
    finally:
        dashboard.stop()  # after the summary: the verdict has reached the page


def _up(settings: Settings, scenario: Scenario | None, inject_after_s: float | None,
        linger_s: float, empty: bool, dashboard_url: str, out: Console, err: Console) -> int:
    from drills.app.run_command import print_summary, publish_run

    trigger = InjectTrigger(after_s=inject_after_s, key_fd=_keyboard() if scenario else None)
    # Before the run registers itself: `drill inject` may signal it from then on.
    signal.signal(signal.SIGUSR1, lambda _s, _f: trigger.request("drill inject"))
    out.print(f"[bold]drill up[/] {scenario or 'no scenario'}{' · nothing deployed' * empty} · "
              f"embedded backend · time scale "
              f"{settings.time_scale:g}x · runs in {settings.runs_dir}/", soft_wrap=True)
    out.print(f"[bold]dashboard[/] {dashboard_url} (live; open it on the wall screen)",
              soft_wrap=True)
    try:
        drill = run_up(settings, scenario=scenario, trigger=trigger, linger_s=linger_s,
                       empty=empty, progress=_stopwatch(out),
                       on_ready=lambda ready: _show_ready(ready, trigger, out))
    finally:
        # Ignored, not the default (which kills): a late `drill inject` must not cut the
        # run folder short while it is written.
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        trigger.close()
    with held_signals():  # the run is over; let its folder be written whole
        publish_run(drill.run_dir, settings, err=err)
        print_summary(drill.run_dir, out)
    return drill.exit_code if drill.exit_code is not None else 1


@contextlib.contextmanager
def watching(runs_dir: Path, enabled: bool, out: Console) -> Iterator[None]:
    """``drill run --watch``: the live dashboard, for as long as the drills run."""
    if not enabled:
        yield
        return
    from drills.app.dashboard import follow_runs

    dashboard = follow_runs(runs_dir)
    out.print(f"[bold]dashboard[/] {dashboard.url} (live; follows each drill)", soft_wrap=True)
    try:
        yield
    finally:
        dashboard.stop()


def _keyboard() -> int | None:
    """stdin's descriptor when Enter there can mean "inject": a terminal we are in front of."""
    try:
        fd = sys.stdin.fileno()
        # A background job that reads its terminal is stopped (SIGTTIN): only the foreground.
        return fd if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp() else None
    except (OSError, ValueError):
        return None


def _stopwatch(out: Console) -> Callable[[str], None]:
    start = time.monotonic()

    def show(message: str) -> None:
        out.print(f"[dim]{time.monotonic() - start:6.1f}s[/] {escape(message)}", soft_wrap=True)
    return show


def _show_empty(ready: UpReady, out: Console) -> None:
    out.print(
        f"\n[bold green]The embedded AWS is up, with nothing deployed[/]; time scale "
        f"{ready.time_scale:g}x.\nIn another shell:\n"
        f"    [bold]source {escape(str(ready.env_file))} && cd \"$DRILL_RUN\"[/]\n"
        "then run the deployment guide's steps 1-6 as written (lib/ holds its templates; "
        "DB_USERNAME and DB_PASSWORD are set). The drill starts probing once both stacks, "
        f"the replica and EFS replication are there.\nAWS endpoint {ready.endpoint_url} · "
        f"proxy {ready.proxy_url}\n", soft_wrap=True)


def _show_ready(ready: UpReady, trigger: InjectTrigger, out: Console) -> None:
    if ready.app_dns_name is None:
        _show_empty(ready, out)
        return
    scale = ready.time_scale
    out.print(
        f"\n[bold green]StreamFlix is up[/] on the embedded AWS; time scale {scale:g}x: AWS "
        f"transitions take 1/{scale:g} of their AWS time (a median promotion "
        f"~{300 / scale:.0f} s).\n"
        f"In another shell:\n    [bold]source {escape(str(ready.env_file))}[/]\n"
        "then follow docs/rehearsal.md (the deployment guide's commands run unchanged), e.g.\n"
        "    aws cloudformation describe-stacks --stack-name "
        "streamflix-dr-primary-${ENVIRONMENT_SUFFIX} --region eu-west-2 "
        "--query 'Stacks[0].Outputs' --output table\n"
        f"    curl http://{escape(ready.app_dns_name)}/health\n"
        f"AWS endpoint {ready.endpoint_url} · proxy {ready.proxy_url} · "
        f"DR ALB {escape(str(ready.dr_alb))}", soft_wrap=True)
    if ready.scenario is not None:
        ways = ["run `drill inject`"]
        if trigger.key_fd is not None:
            ways.insert(0, "press Enter here")
        if trigger.after_s is not None:
            ways.append(f"wait {trigger.after_s:g} s")
        said = ", ".join(ways[:-1]) + (" or " if len(ways) > 1 else "") + ways[-1]
        out.print(f"[bold]Waiting to lose the primary region:[/] {said}.", soft_wrap=True)
    out.print("Stop: Ctrl-C here, or `drill down` in the other shell.\n", soft_wrap=True)


def _up_run(runs_dir: Path, run_dir: Path | None) -> active.ActiveRun:
    """The one running ``drill up`` meant (``run_dir``, else the only one under ``runs_dir``)."""
    folder = Path(run_dir).parent if run_dir is not None else Path(runs_dir)
    runs = [r for r in active.active_runs(folder)
            if r.scenario in _UP_SCENARIOS and r.is_running()
            and (run_dir is None or r.entry == active.entry_path(Path(run_dir)))]
    where = repr(str(run_dir)) if run_dir is not None else f"under {str(runs_dir)!r}"
    if not runs:
        raise ConfigError(f"no `drill up` is running {where}: pass its run folder with --run "
                          "(env.sh exports it as DRILL_RUN), or its runs folder with --runs")
    if len(runs) > 1:
        names = ", ".join(r.run_id for r in runs)
        raise ConfigError(f"{len(runs)} `drill up` runs are running {where} ({names}); name "
                          "one with --run")
    return runs[0]


def _journal(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / run_folder.JOURNAL
    return list(read_events(path)) if path.is_file() else []


def _first(events: list[dict[str, Any]], *kinds: str) -> dict[str, Any] | None:
    return next((e for e in events if e.get("kind") in kinds), None)


def inject_run(runs_dir: Path, run_dir: Path | None, *, timeout_s: float, out: Console) -> int:
    """Ask a running ``drill up --scenario`` to inject its fault now; 0 once it is injected."""
    run = _up_run(runs_dir, run_dir)
    events = _journal(run.run_dir)
    ready = _first(events, "rehearsal.ready")
    if ready is None:
        raise ConfigError(f"the `drill up` of {run.run_id} is still deploying; run "
                          "`drill inject` again once it has printed its env.sh")
    if not ready.get("scenario"):
        raise ConfigError(f"the `drill up` of {run.run_id} was started without --scenario: "
                          "it has no fault to inject (restart it with --scenario region-loss)")
    done = _first(events, "fault.injected")
    if done is None:
        run.signal(signal.SIGUSR1)
        done = _await_injection(run, timeout_s)
    if done is None or done.get("kind") != "fault.injected":
        reason = (done or {}).get("reason", f"nothing journaled within {timeout_s:g}s")
        out.print(f"[red]not injected:[/] {escape(str(reason))}", soft_wrap=True)
        return 1
    out.print(f"injected: {escape(str(done.get('fault')))} on {escape(str(done.get('target')))} "
              f"at drill t={float(done.get('t', 0)):.0f}s ({run.run_id}); the probes are "
              "timing the outage", soft_wrap=True)
    return 0


def _await_injection(run: active.ActiveRun, timeout_s: float) -> dict[str, Any] | None:
    """The ``fault.injected`` (or ``run.finished``) event once the run has journaled it."""
    # Real seconds: the run is another process with a clock of its own.
    return Clock().poll(lambda: _first(_journal(run.run_dir), "fault.injected", "run.finished"),
                        until=lambda found: found is not None, timeout_s=timeout_s,
                        every_s=0.1, what="the run's journal").value


def down_runs(runs_dir: Path, run_dir: Path | None, *, timeout_s: float, out: Console) -> int:
    """Stop a running ``drill up``: faults reverted, everything stopped, run folder written."""
    from drills.app.safety_commands import abort_runs

    run = _up_run(runs_dir, run_dir)
    return abort_runs(run.run_dir.parent, run.run_dir, timeout_s=timeout_s, out=out)
