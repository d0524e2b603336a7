"""``drill up``: the stack live on the embedded backend, for people to rehearse by hand.

The phases are the :class:`~drills.run.engine.Drill`'s own, in the order of
:func:`drills.run.scenario.region_loss` (open, steady state, inject, detect, await recovery,
measure, close); what differs is who runs the runbook. Between steady state and close the
run serves people: ``env.sh`` in the run folder points the aws CLI at the embedded endpoint
and ``curl`` at a proxy that knows the stack's DNS names, and every call people make is
journaled (:mod:`drills.rehearsal.operator`). With the region-loss scenario the fault goes in when
people ask (a key press, ``drill inject``, or a countdown), the probes time the outage, and
once the application is served from DR the run measures, serves a little longer for the
last checks, and ends (as it does whenever it is stopped). See ``docs/rehearsal.md``.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drills.rehearsal.operator import OperatorJournal
from drills.run.backends import EmbeddedBackend
from drills.run.engine import Drill
from drills.safety.interrupts import held_signals
from drills.settings.config import Settings
from infra.aws import TEST_CREDENTIALS

__all__ = ["AWS_CONFIG_FILE", "ENV_FILE", "PLAIN", "SCENARIOS", "UP_TIME_SCALE", "InjectTrigger",
           "Scenario", "UpReady", "env_script", "run_up"]

# Practice speed: promotion (median 300 drill s) takes ~30 real seconds, a Fargate start a
# few, and the 15-minute RTO is 90 real seconds of people typing.
UP_TIME_SCALE = 10.0
ENV_FILE = "env.sh"
AWS_CONFIG_FILE = "aws-config"
# The aws CLI config env.sh points at: its plugin makes AWS_ENDPOINT_URL hold for RDS in
# us-east-1 too (aws CLI v1 pins that one to AWS otherwise; infra/awscli_plugin.py).
_AWS_CONFIG = "[plugins]\nstreamflix_drill = infra.awscli_plugin\n"
SCENARIOS = {"region-loss": "Rehearsal: primary region lost, failover by hand"}
PLAIN = "Live embedded stack (drill up)"
# How long a rehearsal waits for people to recover the application (real seconds).
_RECOVERY_WAIT_REAL_S = 24 * 3600.0
_STEP_S = 0.2  # real seconds between checks for signals while waiting on people

Scenario = Literal["region-loss"]


@dataclass(frozen=True, slots=True)
class UpReady:
    """What people need once the stack is up: where to point their shell."""

    run_dir: Path
    env_file: Path
    endpoint_url: str
    proxy_url: str
    app_dns_name: str
    primary_alb: str
    dr_alb: str
    scenario: Scenario | None
    time_scale: float


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


def env_script(ready: UpReady, settings: Settings) -> str:
    """The text of ``env.sh``: aws CLI and curl pointed at the embedded stack."""
    q = shlex.quote
    lines = [
        f"# drill up: {ready.run_dir.name}. Load it in your shell with: source {ready.env_file}",
        f"export AWS_ENDPOINT_URL={q(ready.endpoint_url)}",
        f"export AWS_ACCESS_KEY_ID={q(TEST_CREDENTIALS['aws_access_key_id'])}",
        f"export AWS_SECRET_ACCESS_KEY={q(TEST_CREDENTIALS['aws_secret_access_key'])}",
        "unset AWS_SESSION_TOKEN AWS_PROFILE",
        f"export AWS_CONFIG_FILE={q(str(ready.run_dir / AWS_CONFIG_FILE))}",
        # The project's own aws CLI first: the pinned v1 that loads the plugin above.
        f"export PATH={q(str(Path(sys.executable).parent))}:\"$PATH\"",
        f"export AWS_DEFAULT_REGION={q(settings.primary_region)}",
        "export AWS_PAGER=''",
        # curl reads only the lower-case name; no_proxy keeps the aws CLI off the proxy.
        f"export http_proxy={q(ready.proxy_url)} HTTP_PROXY={q(ready.proxy_url)}",
        "export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost",
        f"export ENVIRONMENT_SUFFIX={q(settings.environment_suffix)}",
        f"export DRILL_RUN={q(str(ready.run_dir))}",
    ]
    return "\n".join(lines) + "\n"


def run_up(settings: Settings, *, scenario: Scenario | None, trigger: InjectTrigger,
           linger_s: float = 0.0, progress: Callable[[str], None] = lambda _msg: None,
           on_ready: Callable[[UpReady], None] = lambda _ready: None) -> Drill:
    """Deploy, serve people until recovered (then ``linger_s`` more) or stopped, and close."""
    drill = Drill(settings, scenario=SCENARIOS[scenario] if scenario else PLAIN,
                  progress=progress)
    error: BaseException | None = None
    try:
        drill.open()
        drill.steady_state()
        with _serving(drill, scenario, progress, on_ready) as journal:
            if scenario is None:
                forever = threading.Event()
                while not forever.wait(_STEP_S):  # until Ctrl-C or `drill down` (see wait())
                    pass
            else:
                _region_loss(drill, trigger, journal, progress)
                _linger(drill, linger_s, progress)
    except BaseException as exc:  # the verdict names it; close() reverts whatever happened
        error = exc
    drill.close(error)
    return drill


@contextlib.contextmanager
def _serving(drill: Drill, scenario: Scenario | None, progress: Callable[[str], None],
             on_ready: Callable[[UpReady], None]) -> Iterator[OperatorJournal]:
    """Proxy, operator journal and env.sh, for as long as people use the stack."""
    from infra.embedded.moto_ext import api_calls
    from infra.embedded.proxy import AppProxy

    backend = drill.backend
    journal = OperatorJournal(drill.timeline, drill.clock,
                              lost_regions=lambda: backend.clients.lost_regions,
                              progress=progress)
    proxy = AppProxy(backend.resolve, on_request=journal.http).start()
    try:
        api_calls.observe(journal)
        ready = _ready(drill, scenario, proxy.url)
        (ready.run_dir / AWS_CONFIG_FILE).write_text(_AWS_CONFIG, encoding="utf-8")
        ready.env_file.write_text(env_script(ready, drill.settings), encoding="utf-8")
        drill.timeline.record("rehearsal.ready", scenario=scenario, env_file=str(ready.env_file),
                              endpoint_url=ready.endpoint_url, proxy_url=ready.proxy_url,
                              time_scale=drill.settings.time_scale)
        _note_scale(drill)
        on_ready(ready)
        yield journal
    finally:
        with held_signals():  # a second Ctrl-C must not leave the proxy listening
            api_calls.unobserve(journal)
            proxy.stop()


def _ready(drill: Drill, scenario: Scenario | None, proxy_url: str) -> UpReady:
    backend, run_dir = drill.backend, drill.run_dir.resolve()
    # drill up runs on the embedded backend only (the CLI refuses the aws one)
    assert isinstance(backend, EmbeddedBackend) and backend.moto is not None
    d = backend.deployment
    return UpReady(run_dir, run_dir / ENV_FILE,
                   backend.moto.endpoint_url, proxy_url, d.primary.AppDNSName,
                   d.primary.ALBDNSName, d.dr.ALBDNSName, scenario, drill.settings.time_scale)


def _note_scale(drill: Drill) -> None:
    scale = drill.settings.time_scale
    drill.timeline.record(
        "finding", id="REH-1", severity="info",
        message=f"Rehearsal at time scale x{scale:g}: AWS transitions (promotion, Fargate "
                f"start, DNS propagation and TTL) ran {scale:g} times faster than on AWS, "
                f"while people typed in real time, so each real second of their work counts "
                f"as {scale:g} drill seconds in the RTO.")


def _region_loss(drill: Drill, trigger: InjectTrigger, journal: OperatorJournal,
                 progress: Callable[[str], None]) -> None:
    s = drill.settings
    drill.timeline.record("rehearsal.inject_requested", by=trigger.wait())
    drill.inject("region-outage", region=s.primary_region)
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
