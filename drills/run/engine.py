"""A drill run from start to finish: the phases every scenario goes through.

``Drill`` owns the run folder, the clock, the journal, the backend and the probes. Scenario
steps call its phases in order (open, steady state, inject, detect, fail over, await
recovery, measure); :meth:`Drill.close` always runs last and reverts every injected fault,
checks the revert by reading the state back, stops everything and journals the verdict.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from drills.audit.auditor import AuditReport
from drills.audit.in_drill import audit_before_fault, not_replicating
from drills.faults import Fault, FaultContext, FaultRegistry, default_registry, revert_all
from drills.journal import active, runinfo
from drills.journal.timeline import Timeline
from drills.measure import store_rpo as stores
from drills.measure.context import Backend, RunContext, started
from drills.measure.probes import MarkerWriter, Prober, http_session, written_markers
from drills.measure.results import DrillResult, Objectives
from drills.measure.rto_rpo import failures_since, measure_rpo, measure_rto, tail_healthy
from drills.runbooks.executor import RunbookStep, execute, runbook_context
from drills.runbooks.failover import failover_steps
from drills.safety.interrupts import Interrupted, claim_sigterm, held_signals, signal_name
from drills.safety.preflight import PreflightReport, run_checks
from drills.settings.config import Settings, check_objectives, check_scenario_regions, load_settings
from infra.core.clock import Clock
from infra.core.errors import ConfigError, MeasurementError, ProbeTimeout
from infra.core.virtual_clock import make_clock
from infra.retry import describe_error
from reports import run_folder

__all__ = ["Drill", "DrillResult", "Objectives"]

log = logging.getLogger(__name__)


@dataclass
class Drill:
    """One drill run. Use as a context manager, or call :meth:`close` yourself."""

    settings: Settings
    scenario: str
    gherkin: str = ""
    feature: str = ""
    runbook: tuple[RunbookStep, ...] | None = None
    registry: FaultRegistry = field(default_factory=default_registry)
    progress: Callable[[str], None] = lambda _msg: None
    # Each sees (service, operation, region) before every AWS request (e.g. the IAM audit).
    observers: tuple[Callable[[tuple[str, str, str]], None], ...] = ()
    # Who deploys instead of the drill (`drill up --empty`: people, by hand); the deployment.
    deploy_by: Callable[[Drill], Any] | None = None

    def __post_init__(self) -> None:
        if self.settings.seed is None:  # draw one, so the run's journal can reproduce it
            self.settings = self.settings.model_copy(update={"seed": secrets.randbelow(2**31)})
        # Made in the thread that runs the drill: on virtual time it is the first participant.
        self.clock: Clock = make_clock(self.settings.clock, scale=self.settings.time_scale)
        self.run_dir = runinfo.new_run_dir(self.settings.runs_dir, self.scenario)
        self.timeline = Timeline(self.run_dir / run_folder.JOURNAL, self.clock,
                                 secrets=self.settings.secrets())
        self.objectives = Objectives(self.settings.rto_objective_s, self.settings.rpo_objective_s)
        self.faults: list[Fault] = []
        self._backend: Backend | None = None
        self.prober: Prober | None = None
        self.writer: MarkerWriter | None = None
        self.outage_start: float | None = None
        self.detected_at: float | None = None
        self.runbook_started_at: float | None = None
        self.result: DrillResult | None = None
        self.readiness: AuditReport | None = None  # the audit before the fault (audit/in_drill)
        self.http = requests.Session()
        self._closed = False
        self._opened = False
        self._switch_interval: float | None = None
        self._gc_frozen = False
        self._active_entry: Path | None = None
        self._release_sigterm: Callable[[], None] = lambda: None
        self.interruption: KeyboardInterrupt | None = None
        self.exit_code: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> Drill:
        """Journal the start, start the backend and deploy the stack."""
        self._opened = True
        # Registered before anything changes, so `drill abort` can reach the run from now on.
        self._release_sigterm = claim_sigterm()
        self._active_entry = active.register(self.run_dir, scenario=self.scenario,
                                             started=self.clock.wall().isoformat())
        # Probes, canaries and moto share one interpreter; a short GIL switch interval keeps
        # a probe from waiting up to 5 ms (the default) behind busy threads, which at 60x and
        # above is a sizeable share of the probe interval. Restored in close().
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, 0.0005))
        self.timeline.write(runinfo.describe_run(
            self.settings, run_id=self.run_dir.name, scenario=self.scenario, feature=self.feature,
            gherkin=self.gherkin, objectives=(self.objectives.rto_seconds,
                                              self.objectives.rpo_seconds),
            clock=self.clock.kind))
        with self.phase("setup"):
            from drills.run.backends import make_backend

            self._backend = make_backend(self.settings, self.clock, self.run_dir, self.progress,
                                         observers=self.observers)
            self._backend.start()
        with self.phase("deploy"):
            self._journal_templates()
            if self.deploy_by is None:
                self.backend.deploy(on_retry=self.journal_retry)
            else:  # drill up --empty: people deploy, the drill takes what they made
                self.backend.adopt(self.deploy_by(self))
        # moto, botocore and the stack leave millions of long-lived objects; a full garbage
        # collection over them stops every thread for 0.2-0.5 s, which at 150x is a minute
        # of drill time without a probe. Freezing them keeps collections small while probing.
        # No collection first: it would be that pause (garbage frozen too is freed in close).
        gc.freeze()
        self._gc_frozen = True
        return self

    def set_objectives(self, *, rto_seconds: float, rpo_seconds: float) -> None:
        """Set the objectives this run is judged against (from the scenario's text)."""
        check_objectives(self.settings, rto_seconds=rto_seconds, rpo_seconds=rpo_seconds)
        self.objectives = Objectives(rto_seconds, rpo_seconds)
        if self._opened:
            self.timeline.record("objectives", rto_seconds=rto_seconds, rpo_seconds=rpo_seconds)

    def set_latency(self, name: str, seconds: float) -> None:
        """Pin one latency-model figure (drill seconds) before opening; ConfigError if bad."""
        if self._opened:
            raise ConfigError(f"latency {name!r} must be set before the stack is deployed")
        latency = {**self.settings.latency, name: seconds}
        self.settings = load_settings(overrides={**self.settings.model_dump(),
                                                 "latency": latency})

    def expect_regions(self, *, primary: str | None = None, dr: str | None = None) -> None:
        """Refuse a scenario whose regions differ from the configured ones."""
        check_scenario_regions(self.settings, primary=primary, dr=dr)

    @property
    def backend(self) -> Backend:
        """The backend the drill runs on; RuntimeError before :meth:`open` started it."""
        return started(self._backend, "the drill's backend")

    def require_result(self) -> DrillResult:
        """The measured result; raises if the drill has not measured yet."""
        if self.result is None:
            raise MeasurementError("RTO and RPO have not been measured in this run")
        return self.result

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Journal a phase's start and end (and failure), and report progress."""
        self.timeline.record("phase.started", phase=name)
        try:
            # Inside the try: an interrupt landing while progress prints still closes the phase.
            self.progress(f"phase {name} (drill t={self.clock.now():.0f}s)")
            yield
        except BaseException as exc:
            status = "aborted" if isinstance(exc, KeyboardInterrupt) else "failed"
            self.timeline.record("phase.finished", phase=name, status=status, error=str(exc))
            raise
        self.timeline.record("phase.finished", phase=name, status="ok")

    # -- phases ----------------------------------------------------------------------------

    def app_target(self) -> str:
        """Base URL the application's DNS name leads to now."""
        return self.backend.resolve(self.backend.deployment.primary.AppDNSName)

    def steady_state(self) -> None:
        """Start probes and markers and wait until the app is healthy from the primary."""
        s = self.settings
        # The audit first, before any probe: in this process its reads would hold up the
        # canaries' answers, and a probe that times out is an unhealthy sample.
        with self.phase("audit"):
            self.readiness = audit_before_fault(s, self.backend.clients, self.timeline,
                                                now=self.clock.wall())
        with self.phase("steady-state"):
            proxies = self.backend.use_proxies  # the aws backend reaches the app as users do
            self.prober = Prober(target=self.app_target, clock=self.clock,
                                 interval_s=s.probe_interval_s, timeout_s=s.probe_timeout_s,
                                 csv_path=self.run_dir / run_folder.PROBES,
                                 session=http_session(use_proxies=proxies))
            self.writer = MarkerWriter(target=self.app_target, clock=self.clock,
                                       interval_s=s.marker_interval_s,
                                       csv_path=self.run_dir / run_folder.MARKERS,
                                       session=http_session(use_proxies=proxies))
            self.prober.start()
            self.writer.start()
            need = s.steady_state_samples
            self._wait(lambda xs: tail_healthy(xs, need, s.primary_region),
                       f"{need} healthy probes served by {s.primary_region}")

    def inject(self, fault_name: str, **options: Any) -> Fault:
        """Inject a fault by name (after the preflight gate); its time is the outage start."""
        ctx = FaultContext(self.backend.clients, self.backend.dataplane,
                           self.settings.primary_region, self.settings.dr_region,
                           settings=self.settings)
        fault = self.backend.make_fault(self.registry, fault_name, ctx, self.run_dir.name,
                                        **options)
        if not self.faults:
            stores.await_recovery_points(self, fault, skip=not_replicating(self.readiness))
            self.preflight()
        with self.phase("inject"):
            self.faults.append(fault)
            # Intent first: a run killed mid-injection still tells cleanup what may be active.
            self.timeline.record("fault.injecting", fault=fault.name, target=fault.target)
            fault.inject()
            event = self.timeline.record("fault.injected", fault=fault.name, target=fault.target)
            self.outage_start = event.t
        return fault

    def preflight(self) -> PreflightReport:
        """Check the gate before the first fault; SafetyRefusal lists every failed check."""
        s = self.settings
        with self.phase("preflight"):
            if self.prober is not None:  # one slow probe is a hiccup: give it a few intervals
                with contextlib.suppress(ProbeTimeout):  # the check below then says why
                    self.prober.wait_for(lambda xs: tail_healthy(
                        xs, s.steady_state_samples, s.primary_region),
                        timeout_s=s.probe_interval_s * (s.steady_state_samples + 1))
            report = run_checks(s, self.backend.clients, self.backend.replica_lag_seconds(),
                                self.backend.deployment.dr.ALBDNSName,
                                self.prober.samples() if self.prober is not None else [],
                                rpo_seconds=self.objectives.rpo_seconds)
            self.timeline.record("preflight", passed=report.passed, reasons=list(report.reasons),
                                 checks=[dataclasses.asdict(c) for c in report.checks])
            report.raise_if_refused()
        return report

    def detect(self) -> None:
        """Wait until the probes declare the primary lost (N consecutive failures)."""
        n = self.settings.recovery_consecutive
        with self.phase("detect"):
            self._wait(lambda xs: failures_since(xs, self.outage_start or 0.0) >= n,
                       f"{n} consecutive failed probes")
            self.detected_at = self.timeline.record("outage.declared", by="probes",
                                                    consecutive_failures=n).t

    def fail_over(self) -> None:
        """Wait the configured decision delay, then run the failover runbook."""
        with self.phase("decide"):
            self.clock.sleep(self.settings.decide_delay_s)
        with self.phase("failover"):
            self.runbook_started_at = self.clock.now()
            steps = self.runbook or failover_steps(self.settings.dr_region)
            execute(steps, runbook_context(self), timeline=self.timeline, progress=self.progress)

    def await_recovery(self, *, timeout_s: float | None = None) -> None:
        """Wait until N consecutive probes are healthy and served by the DR region."""
        s = self.settings
        with self.phase("recovery"):
            self._wait(lambda xs: tail_healthy(xs, s.recovery_consecutive, s.dr_region),
                       f"{s.recovery_consecutive} healthy probes served by {s.dr_region}",
                       timeout_s)

    def measure(self) -> DrillResult:
        """Stop the marker writer, read what survived in DR, and compute RTO and RPO."""
        from drills.measure.verdict import judge

        assert self.prober and self.writer and self.outage_start is not None
        with self.phase("measure"):
            self.writer.stop()
            # Read through the app's name and insist DR answered: survivors must be DR's data.
            timeout = max(1.0, self.clock.real(self.settings.probe_timeout_s))
            by_store = stores.read_store_markers(
                self.app_target(), region=self.settings.dr_region, timeout=timeout,
                use_proxies=self.backend.use_proxies)
            surviving = by_store.get("database", frozenset())
            rto = measure_rto(self.prober.samples(), outage_start=self.outage_start,
                              dr_region=self.settings.dr_region,
                              consecutive=self.settings.recovery_consecutive,
                              detected_at=self.detected_at,
                              runbook_started_at=self.runbook_started_at)
            written = written_markers(self.writer.records(), surviving)
            rpo = measure_rpo(written, surviving, outage_start=self.outage_start)
            self.result = judge(self, rto, rpo, region=self.settings.dr_region,
                                truth=self.backend.ground_truth(),
                                stores=stores.for_drill(self, by_store))
        return self.result

    # -- cleanup ---------------------------------------------------------------------------

    def close(self, error: BaseException | None = None) -> None:
        """Revert every fault (checked), stop probes and backend, journal the verdict.

        SIGINT and SIGTERM are held until it is done, so a second Ctrl-C cannot abandon the
        revert; a signal held here makes the verdict "aborted" (see :attr:`interrupted`).
        """
        with held_signals(self._on_held_signal) as held:
            if self._closed:
                return
            self._closed = True
            self._close(error, held)
        self._release_sigterm()

    @property
    def interrupted(self) -> bool:
        """Whether a signal (or Ctrl-C) stopped this run, before or during close()."""
        return self.interruption is not None

    def _on_held_signal(self, signum: int) -> None:
        self.progress(f"{signal_name(signum)} received while reverting: the revert and "
                      "cleanup finish first, then the drill stops")

    def _close(self, error: BaseException | None, held: list[int]) -> None:
        from drills.measure.verdict import finish

        revert_error: BaseException | None = None
        try:
            with self.phase("revert"):
                revert_all(self.faults, self.timeline)
        except Exception as exc:  # journaled by phase(); it decides the verdict below
            revert_error = exc
        finally:
            for part in (self.prober, self.writer):
                if part is not None:
                    part.stop()
            teardown_error = self._teardown()
            self.http.close()
            for signum in held:
                self.timeline.record("interrupt.deferred", signal=signal_name(signum))
            if error is None and held:
                error = Interrupted(held[0])
            self.interruption = error if isinstance(error, KeyboardInterrupt) else None
            finish(self, error, revert_error or teardown_error)
            self.timeline.close()
            active.unregister(self._active_entry)
            if self._switch_interval is not None:
                sys.setswitchinterval(self._switch_interval)
            if self._gc_frozen:
                gc.unfreeze()

    def _teardown(self) -> BaseException | None:
        """Stop the backend; whatever goes wrong, nothing of it is left running."""
        if self._backend is None:
            return None
        try:
            with self.phase("teardown"):
                self._backend.stop()
        except Exception as exc:  # journaled by phase(); the verdict names it
            # stop() is idempotent: stop whatever the failed attempt left running.
            with contextlib.suppress(Exception):
                self._backend.stop()
            return exc
        return None

    def __enter__(self) -> Drill:
        return self.open()

    def __exit__(self, _t: object, exc: BaseException | None, _tb: object) -> None:
        self.close(exc)

    # -- helpers ---------------------------------------------------------------------------

    def _wait(self, predicate: Callable[[Sequence[Any]], bool], what: str,
              timeout_s: float | None = None) -> None:
        assert self.prober is not None
        timeout_s = timeout_s or self.settings.step_timeout_s  # `drill up` waits on people
        try:
            self.prober.wait_for(predicate, timeout_s=timeout_s)
        except ProbeTimeout as exc:
            raise ProbeTimeout(f"timed out after {timeout_s:.0f}s waiting for {what}",
                               last=exc.last) from None

    def _journal_templates(self) -> None:
        """Journal the templates deployed (path, SHA-256) and cfn-lint's warnings on them."""
        from infra.template_gate import check_templates

        checked = check_templates(self.settings)  # checked before the run: cached, no re-lint
        self.timeline.record("templates", templates=[
            {"name": t.name, "role": t.role, "path": str(t.path), "sha256": t.sha256}
            for t in checked.templates], lint_warnings=[w.describe() for w in checked.warnings])

    def journal_retry(self, service: str, operation: str, attempt: int,
                      error: BaseException) -> None:
        """Journal one retried AWS call (the retry policy's hook)."""
        self.timeline.record("api.retry", service=service, operation=operation,
                             attempt=attempt, error=describe_error(error))


def _is_a_run_context(drill: Drill) -> RunContext:
    """Checked by mypy: the engine is what the phase modules are typed against."""
    return drill
