"""``drill up``: the stack live on the embedded backend, for people to rehearse by hand.

The phases are the :class:`~drills.run.engine.Drill`'s own, in the order of
:func:`drills.run.scenario.region_loss` (open, steady state, inject, detect, await recovery,
measure, close); what differs is who runs the runbook. Between steady state and close the
run serves people: ``env.sh`` in the run folder points the aws CLI at the embedded endpoint
and ``curl`` at a proxy that knows the stack's DNS names, and every call people make is
journaled (:mod:`drills.rehearsal.operator`). With the region-loss scenario the fault goes in when
people ask (a key press, ``drill inject``, or a countdown), the probes time the outage, and
once the application is served from DR the run measures, serves a little longer for the
last checks, and ends (as it does whenever it is stopped). With ``empty`` nothing is
deployed: the world is served first and the drill waits for people to run the guide's
steps 1-6 (:func:`drills.rehearsal.up_world.await_people_deploy`); the failback scenario is in
:mod:`drills.rehearsal.up_failback`. See ``docs/rehearsal.md``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
import termios
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from drills.rehearsal.operator import OperatorJournal
from drills.rehearsal.up_failback import failback_by_hand
from drills.rehearsal.up_world import (
    AWS_CONFIG_FILE,
    ENV_FILE,
    UpReady,
    await_people_deploy,
    env_script,
    serving,
)
from drills.run.engine import Drill
from drills.settings.config import Settings

__all__ = ["AWS_CONFIG_FILE", "ENV_FILE", "PLAIN", "SCENARIOS", "UP_TIME_SCALE", "InjectTrigger",
           "Scenario", "UpReady", "env_script", "run_up"]

# Practice speed: promotion (median 300 drill s) takes ~30 real seconds, a Fargate start a
# few, and the 15-minute RTO is 90 real seconds of people typing.
UP_TIME_SCALE = 10.0
SCENARIOS = {"region-loss": "Rehearsal: primary region lost, failover by hand",
             "failback": "Rehearsal: failback by hand after a regional failover"}
PLAIN = "Live embedded stack (drill up)"
# How long a rehearsal waits for people to recover the application (real seconds).
_RECOVERY_WAIT_REAL_S = 24 * 3600.0
_STEP_S = 0.2  # real seconds between checks for signals while waiting on people

Scenario = Literal["region-loss", "failback"]


class InjectTrigger:
    """When to inject: on request (Enter on ``key_fd``, ``drill inject``) or after a countdown.

    Requests arrive through a pipe, not a lock: :meth:`request` runs in a signal handler
    (``drill inject`` sends SIGUSR1), which may interrupt the main thread while it holds any
    lock. Call :meth:`close` when done.
    """

    def __init__(self, *, after_s: float | None = None, key_fd: int | None = None) -> None:
        if after_s is not None and after_s < 0:
            raise ValueError(f"countdown must be >= 0 seconds, got {after_s!r}")
        self.after_s = after_s
        self.key_fd = key_fd
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._by = "countdown"

    def request(self, by: str) -> None:
        """Ask for the fault now; safe in a signal handler."""
        self._by = by
        with contextlib.suppress(BlockingIOError):  # a full pipe already holds a request
            os.write(self._write, b"!")

    def wait(self) -> str:
        """Block until requested or the countdown ends; who asked (``countdown`` if it ran out)."""
        watched = [self._read]
        if self.key_fd is not None:
            with contextlib.suppress(OSError, termios.error):
                termios.tcflush(self.key_fd, termios.TCIFLUSH)  # keys pressed while deploying
            watched.append(self.key_fd)
        deadline = None if self.after_s is None else time.monotonic() + self.after_s
        while True:
            # Short steps: a Ctrl-C the kernel hands to another thread runs its Python handler
            # only once the main thread runs bytecode again, never inside a blocked select().
            left = _STEP_S if deadline is None else min(_STEP_S, deadline - time.monotonic())
            ready, _, _ = select.select(watched, [], [], max(0.0, left))
            if ready or (deadline is not None and time.monotonic() >= deadline):
                break
        if self.key_fd in ready:
            os.read(self.key_fd, 4096)
            return "key press"
        return self._by if ready else "countdown"

    def close(self) -> None:
        """Close the pipe."""
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


class _World:
    """The world people use (:func:`~drills.rehearsal.up_world.serving`), first need to end."""

    def __init__(self, scenario: Scenario | None, progress: Callable[[str], None],
                 on_ready: Callable[[UpReady], None]) -> None:
        self._scenario = scenario
        self._progress = progress
        self._on_ready = on_ready
        self._stack = contextlib.ExitStack()
        self._served: tuple[OperatorJournal, UpReady] | None = None

    def open(self, drill: Drill) -> OperatorJournal:
        """Start serving (once); the operator journal."""
        if self._served is None:
            self._served = self._stack.enter_context(
                serving(drill, self._scenario, self._progress))
        return self._served[0]

    def deployed_by_people(self, drill: Drill) -> Any:
        """``drill up --empty``: serve nothing deployed, and wait for people to deploy."""
        self.open(drill)
        assert self._served is not None
        self._on_ready(self._served[1])
        return await_people_deploy(drill, self._served[0], self._progress)

    def ready(self, drill: Drill) -> None:
        """The stack is deployed and healthy: journal it and tell people."""
        assert self._served is not None
        d = drill.backend.deployment
        ready = dataclasses.replace(self._served[1], app_dns_name=d.primary.AppDNSName,
                                    primary_alb=d.primary.ALBDNSName, dr_alb=d.dr.ALBDNSName)
        drill.timeline.record("rehearsal.ready", scenario=ready.scenario,
                              env_file=str(ready.env_file), endpoint_url=ready.endpoint_url,
                              proxy_url=ready.proxy_url, time_scale=ready.time_scale)
        _note_scale(drill)
        self._on_ready(ready)

    def close(self) -> None:
        """Stop serving."""
        self._stack.close()


def run_up(settings: Settings, *, scenario: Scenario | None, trigger: InjectTrigger,
           linger_s: float = 0.0, empty: bool = False,
           progress: Callable[[str], None] = lambda _msg: None,
           on_ready: Callable[[UpReady], None] = lambda _ready: None) -> Drill:
    """Deploy (or, ``empty``, let people deploy), serve until recovered or stopped, close."""
    world = _World(scenario, progress, on_ready)
    drill = Drill(settings, scenario=SCENARIOS[scenario] if scenario else PLAIN,
                  progress=progress, deploy_by=world.deployed_by_people if empty else None)
    error: BaseException | None = None
    try:
        try:
            drill.open()
            journal = world.open(drill)
            drill.steady_state()
            world.ready(drill)
            if scenario is None:
                forever = threading.Event()
                while not forever.wait(_STEP_S):  # until Ctrl-C or `drill down` (see wait())
                    pass
            else:
                _region_loss(drill, trigger, journal, progress, by_hand=scenario != "failback")
                _linger(drill, linger_s, progress)
        finally:
            world.close()
    except BaseException as exc:  # the verdict names it; close() reverts whatever happened
        error = exc
    drill.close(error)
    return drill


def _note_scale(drill: Drill) -> None:
    scale = drill.settings.time_scale
    drill.timeline.record(
        "finding", id="REH-1", severity="info",
        message=f"Rehearsal at time scale x{scale:g}: AWS transitions (promotion, Fargate "
                f"start, DNS propagation and TTL) ran {scale:g} times faster than on AWS, "
                f"while people typed in real time, so each real second of their work counts "
                f"as {scale:g} drill seconds in the RTO.")


def _region_loss(drill: Drill, trigger: InjectTrigger, journal: OperatorJournal,
                 progress: Callable[[str], None], *, by_hand: bool = True) -> None:
    s = drill.settings
    drill.timeline.record("rehearsal.inject_requested", by=trigger.wait())
    drill.inject("region-outage", region=s.primary_region)
    if not by_hand:  # --scenario failback: the drill fails over, people fail back
        failback_by_hand(drill, journal, progress)
        return
    progress(f"{s.primary_region} LOST at drill t={drill.outage_start:.0f}s; the probes are "
             "timing: run the failover runbook (docs/rehearsal.md)")
    drill.detect()
    progress(f"probes failing: outage declared at t={drill.detected_at:.0f}s")
    drill.await_recovery(timeout_s=drill.clock.drill(_RECOVERY_WAIT_REAL_S))
    started = journal.first_call_since(drill.outage_start or 0.0)
    if started is not None and drill.detected_at is not None:
        # People who acted before the probes declared the outage decided in no time.
        drill.runbook_started_at = max(started, drill.detected_at)
    result = drill.measure()
    progress(f"recovered: served from {s.dr_region} since drill t="
             f"{(drill.outage_start or 0.0) + result.rto_seconds:.0f}s; RTO "
             f"{result.rto_seconds:.0f}s (objective {result.objectives.rto_seconds:.0f}s)")


def _linger(drill: Drill, linger_s: float, progress: Callable[[str], None]) -> None:
    """Keep serving after recovery, so people can finish the guide's last checks."""
    if linger_s <= 0:
        return
    progress(f"the stack stays up {linger_s:g} s more for your last checks (Ctrl-C or "
             "`drill down` ends it now)")
    try:
        deadline = time.monotonic() + linger_s
        while time.monotonic() < deadline:  # in steps, so Ctrl-C is handled (see wait())
            threading.Event().wait(min(_STEP_S, deadline - time.monotonic()))
        by = "timeout"
    except KeyboardInterrupt as exc:  # stopping now is how people say they are done
        by = str(exc) or "SIGINT"
    drill.timeline.record("rehearsal.linger_ended", by=by)
