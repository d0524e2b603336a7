"""``drill plan``: every action a scenario would take, in order, worked out without acting.

A :class:`Planner` has the phase methods of :class:`~drills.run.engine.Drill` (``open``,
``steady_state``, ``inject``, ``detect``, ``fail_over``, ...) and the deployer's entry points
(``deploy``, ``inspect``, ``teardown``, ``leftovers``). Instead of acting, each appends the
phases it would run, with the AWS calls those phases declare as data: the target guard
(:data:`~drills.safety.target_guard.GUARD_CALLS`), the deployer
(:data:`~infra.deploy.DEPLOY_CALLS`, ...), the fault (its ``effects``; on the aws backend its
FIS experiment, :mod:`drills.faults.fis_templates`) and
the runbook (:attr:`~drills.runbooks.executor.RunbookStep.calls`). The scenario's steps are
mapped to these methods in :mod:`drills.plan.feature_plan`.

:func:`read_target` reads, and only reads, what a run would act on: the target guard's
checks and both stacks' status and outputs, so the plan can name real resources. Its client
factory refuses every mutating call before it is sent (:func:`refuse_mutating`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from drills.audit.facts import AUDIT_CALLS
from drills.faults import FaultContext, FaultRegistry, default_registry
from drills.faults.fis_templates import EXPERIMENT_EFFECTS, FisTemplate, fis_template
from drills.runbooks.executor import describe_order
from drills.runbooks.failback import failback_steps
from drills.runbooks.failover import failover_steps, parallel_failover_steps
from drills.safety.target_guard import GUARD_CALLS, TargetGuard
from drills.settings.config import Settings, check_objectives, check_scenario_regions, load_settings
from infra.core.actions import ApiCall, FaultEffects, is_mutating
from infra.core.errors import ConfigError, SafetyRefusal
from infra.deploy import DEPLOY_CALLS, TEARDOWN_CALLS
from infra.deploy_inspect import INSPECT_CALLS, LEFTOVER_CALLS

__all__ = [
    "CLOSING",
    "PREFLIGHT_CALLS",
    "PlannedAction",
    "PlannedFault",
    "PlannedPhase",
    "Planner",
    "TargetState",
    "read_target",
    "refuse_mutating",
]

_OUTPUT = re.compile(r"<(?:(primary|DR) )?(\w+) output>")
# What the preflight gate (drills.safety.preflight) reads before the first fault; ReplicaLag comes
# from the backend (embedded: the region simulator; aws: CloudWatch, the last call).
PREFLIGHT_CALLS = (
    ApiCall("rds", "DescribeDBInstances", "{s.replica_id}", "dr"),
    ApiCall("ecs", "DescribeServices", "{s.dr_cluster}/{s.dr_service}", "dr"),
    ApiCall("elbv2", "DescribeLoadBalancers", "<DR ALBDNSName output>", "dr"),
    ApiCall("cloudwatch", "GetMetricStatistics", "AWS/RDS ReplicaLag of {s.replica_id} "
            "(aws backend)", "dr"),
)
# What the closing phases (revert, teardown) are listed under: they run whatever happened.
CLOSING = "(after the last step, whatever happened)"


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One AWS call (or, with service ``http``, one application request) a phase would make."""

    phase: str
    region: str
    service: str
    operation: str
    target: str
    mutating: bool
    step: str = ""  # the runbook step it belongs to
    note: str = ""


@dataclass(frozen=True, slots=True)
class PlannedFault:
    """A fault a phase would inject, how it is undone, and (aws) its FIS experiment."""

    name: str
    target: str
    inject: str
    revert: str
    fis: FisTemplate | None = None
    fis_problem: str = ""


@dataclass(frozen=True, slots=True)
class PlannedPhase:
    """One phase of the drill, as the engine journals it, with what it would do."""

    name: str
    summary: str
    actions: tuple[PlannedAction, ...] = ()
    fault: PlannedFault | None = None


@dataclass(frozen=True, slots=True)
class TargetState:
    """What :func:`read_target` read from the target account; nothing was changed."""

    where: str
    account: str | None
    notes: tuple[str, ...]
    refusal: SafetyRefusal | None
    stacks: tuple[tuple[str, str | None], ...] = ()  # (stack name, status or None if absent)
    primary_outputs: dict[str, str] = field(default_factory=dict)
    dr_outputs: dict[str, str] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        """``text`` with ``<X output>`` / ``<DR X output>`` replaced by the values read."""
        def value(m: re.Match[str]) -> str:
            outputs = self.dr_outputs if m.group(1) == "DR" else self.primary_outputs
            return outputs.get(m.group(2), m.group(0))
        return _OUTPUT.sub(value, text)

    def status(self, stack: str) -> str | None:
        """The stack's status as read, or None when it does not exist."""
        return dict(self.stacks).get(stack)


def refuse_mutating(call: tuple[str, str, str]) -> None:
    """ClientFactory observer for a plan: refuse every mutating call before it is sent."""
    service, operation, region = call
    if is_mutating(operation):
        raise SafetyRefusal(f"refusing {service}:{operation} in {region}",
                            reasons=("drill plan changes nothing",))


def read_target(settings: Settings, clients: Any, *, where: str) -> TargetState:
    """Run the target guard's checks and read both stacks, read-only."""
    clients.observe(refuse_mutating)
    try:
        report = TargetGuard(settings).check(clients)
    except SafetyRefusal as exc:
        # An account the drill may not touch is not read any further.
        return TargetState(where, None, (), exc)
    from infra.deploy_common import AwsCalls, stack_summary

    aws, s = AwsCalls(settings, clients, None, None), settings
    found = {name: stack_summary(aws, region, name) for region, name in
             ((s.primary_region, s.primary_stack), (s.dr_region, s.dr_stack))}
    return TargetState(
        where, report.account, report.notes, None,
        stacks=tuple((name, (x or {}).get("StackStatus")) for name, x in found.items()),
        primary_outputs=_outputs(found[s.primary_stack]), dr_outputs=_outputs(found[s.dr_stack]))


def _outputs(summary: dict[str, Any] | None) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in (summary or {}).get("Outputs") or []}


class Planner:
    """Works out a scenario's phases by the same calls a scenario makes on a Drill."""

    def __init__(self, settings: Settings, *, target: TargetState | None = None,
                 registry: FaultRegistry | None = None) -> None:
        self.settings = settings
        self.target = target
        self.registry = registry or default_registry()
        self.phases: list[PlannedPhase] = []
        self.objectives: tuple[float, float] | None = None
        self._faults: list[tuple[PlannedFault, FaultEffects]] = []
        self._drill = False

    # -- the drill's phases ------------------------------------------------------------------

    def set_objectives(self, *, rto_seconds: float, rpo_seconds: float) -> None:
        """Note the objectives the run would be judged against."""
        check_objectives(self.settings, rto_seconds=rto_seconds, rpo_seconds=rpo_seconds)
        self.objectives = (rto_seconds, rpo_seconds)

    def set_latency(self, name: str, seconds: float) -> None:
        """Check a pinned latency figure as a run would (ConfigError when it is unknown)."""
        self.settings = load_settings(overrides={**self.settings.model_dump(),
                                                 "latency": {**self.settings.latency,
                                                             name: seconds}})

    def break_setup(self, name: str) -> None:
        """Phase break: a breakage of the DR setup (embedded only), as a run would refuse it."""
        from drills.faults.breakages import BREAKAGES, refuse

        refuse(name, self.settings)
        b = BREAKAGES[name]
        self.add("break", f"break the DR setup on purpose: {b.description}; the readiness "
                  f"audit must report {b.finding}")

    def expect_regions(self, *, primary: str | None = None, dr: str | None = None) -> None:
        """Refuse a scenario whose regions differ from the configured ones, as a run does."""
        check_scenario_regions(self.settings, primary=primary, dr=dr)

    def open(self) -> None:
        """Phases setup (backend and target guard) and deploy."""
        self._drill = True
        where = ("start the embedded AWS (moto on 127.0.0.1) and the region simulator"
                 if self.settings.backend == "embedded" else "connect to AWS")
        self.add("setup", f"{where}; the target guard checks the account, the stacks' "
                  "Environment tags and production before any change", GUARD_CALLS)
        self.deploy()

    def steady_state(self) -> None:
        """Phases audit (read-only) and steady-state: probes and markers start; wait."""
        s = self.settings
        self.add("audit", "the read-only readiness audit of drill audit, journaled; its "
                 "blocking findings become a failed verdict's likely cause (docs/audit.md)",
                 AUDIT_CALLS)
        self.add("steady-state", f"probe /health every {s.probe_interval_s:g}s and write a "
                  f"marker every {s.marker_interval_s:g}s; wait for {s.steady_state_samples} "
                  f"healthy probes served by {s.primary_region}", (
                      ApiCall("http", "GET /health", "<AppDNSName output>", "primary"),
                      ApiCall("http", "POST /markers", "<AppDNSName output>", "primary")))

    def inject(self, fault_name: str, **options: Any) -> None:
        """Phase inject: the fault, its revert, and on the aws backend its FIS experiment."""
        s = self.settings
        ctx = FaultContext(None, None, s.primary_region, s.dr_region, settings=s)
        # Constructing the fault validates its options and names its target; it acts on
        # nothing until inject() is called, and the plan never calls it.
        fault = self.registry.create(fault_name, ctx, **options)
        declared = getattr(type(fault), "effects", None)
        if not isinstance(declared, FaultEffects):
            raise ConfigError(f"fault {fault_name!r} declares no effects, so the plan cannot "
                              "say what it does or how it is undone")
        planned, effects = self._fault(fault_name, fault.target, declared, options)
        if not self._faults:
            self.add("preflight", "check before the first fault: healthy primary probes, the DR "
                     "replica available and replicating within the RPO objective, the DR "
                     "service ACTIVE, the DR load balancer active", PREFLIGHT_CALLS)
        self._faults.append((planned, effects))
        self.add("inject", f"inject {fault_name} on {fault.target}; its time is the outage "
                  "start", effects.inject_calls, default=fault.target, fault=planned)

    def detect(self) -> None:
        """Phase detect: wait for consecutive failed probes."""
        self.add("detect", f"wait for {self.settings.recovery_consecutive} consecutive "
                  "failed probes, then declare the primary lost")

    def fail_over(self, *, parallel: bool = False) -> None:
        """Phases decide and failover: the runbook's steps with the calls each makes."""
        s = self.settings
        self.add("decide", f"wait the decision delay of {s.decide_delay_s:g}s")
        steps = (parallel_failover_steps if parallel else failover_steps)(s.dr_region)
        self._runbook("failover", steps)

    def region_back(self, region: str) -> None:
        """Phase region-back: revert the region's outage now (closing then skips it)."""
        found = [f for f in self._faults if f[0].name == "region-outage"
                 and f[0].target == region]
        for planned, effects in found:
            self._faults.remove((planned, effects))
            self.add("region-back", f"revert {planned.name} on {region}: {planned.revert}; "
                      "the marker writer continues its numbering", effects.revert_calls,
                      default=region)

    def fail_back(self) -> None:
        """Phase failback: the failback runbook's steps with the calls each makes."""
        s = self.settings
        self._runbook("failback", failback_steps(s.primary_region, s.dr_region))

    def measure_failback(self, region: str) -> None:
        """Phases failback-recovery and measure-failback: downtime and RPO in ``region``."""
        self.add("failback-recovery", f"wait for {self.settings.recovery_consecutive} healthy "
                  f"probes served by {region}")
        self.add("measure-failback", "stop the marker writer, read the markers in the primary "
                  "database and compute the failback's downtime and RPO",
                  (ApiCall("http", "GET /markers", "<AppDNSName output>", "primary"),))

    def _runbook(self, phase: str, steps: tuple[Any, ...]) -> None:
        actions: list[PlannedAction] = []
        for step in steps:
            actions += self._actions(phase, step.calls, default=step.region, step=step.name)
            if not step.calls:  # shown all the same, so every runbook step is in the plan
                actions.append(PlannedAction(phase, step.region, "-", "(no AWS call)",
                                             step.description, False, step.name))
        self.phases.append(PlannedPhase(phase, f"run the {phase} runbook: "
                                        + describe_order(steps), tuple(actions)))

    def await_recovery(self) -> None:
        """Phase recovery: wait for healthy probes served by the DR region."""
        s = self.settings
        self.add("recovery", f"wait for {s.recovery_consecutive} healthy probes served by "
                  f"{s.dr_region}")

    def measure(self) -> None:
        """Phase measure: read the surviving markers, compute RTO and RPO."""
        self.add("measure", "stop the marker writer, read the markers that survived in DR "
                  "and compute RTO and RPO",
                  (ApiCall("http", "GET /markers", "<AppDNSName output>", "dr"),))

    def recover_in(self, region: str) -> None:
        """Phases recovery and measure for a fault that needs no failover (measure/outcomes)."""
        s = self.settings
        self.add("recovery", f"wait for {s.recovery_consecutive} healthy probes served by "
                  f"{region} after the first failed one (no failover)")
        self._measure_in(region)

    def stays_up(self, region: str) -> None:
        """Phase measure: RTO and RPO in ``region``, where no probe may have failed."""
        self._measure_in(region, "no probe after the fault may have failed; ")

    def watch_replication(self, region: str) -> None:
        """Phase watch-replication: the data at risk in DR, sampled until back in the RPO."""
        self.add("watch-replication", f"every {self.settings.probe_interval_s:g}s read the "
                  f"markers in {region} and the replica lag, until the data at risk is back "
                  "within the RPO objective after exceeding it",
                  (ApiCall("http", "GET /markers", "<DR ALBDNSName output>", "dr"),))

    def _measure_in(self, region: str, note: str = "") -> None:
        call = ApiCall("http", "GET /markers", "<AppDNSName output>",
                       "dr" if region == self.settings.dr_region else "primary")
        self.add("measure", f"{note}stop the marker writer, read the markers in {region} and "
                  "compute RTO and RPO there", (call,))

    # -- the deployer, for scenarios that deploy without a drill -----------------------------

    def deploy(self) -> None:
        """Phase deploy: the deployment guide's steps 1-6."""
        self.add("deploy", "deploy (or find) both stacks and EFS replication, then verify "
                  "them (the guide's steps 1-6)", DEPLOY_CALLS)

    def inspect(self) -> None:
        """Phase verify: read what both regions report about the deployment."""
        self.add("verify", "read what both regions report about the deployment",
                  INSPECT_CALLS)

    def teardown(self) -> None:
        """Phase teardown: EFS replication, then the DR stack, then the primary."""
        self.add("teardown", "remove EFS replication, the DR stack, then the primary stack "
                  "(the guide's cleanup)", TEARDOWN_CALLS)

    def leftovers(self) -> None:
        """Phase verify: look for anything of the deployment left in either region."""
        self.add("verify", "look for anything of the deployment left in either region",
                  LEFTOVER_CALLS)

    def finish(self) -> tuple[PlannedPhase, ...]:
        """The phases a drill always runs last: revert every fault, then teardown."""
        if not self._drill:
            return ()
        start = len(self.phases)
        for planned, effects in reversed(self._faults):
            self.add("revert", f"revert {planned.name} on {planned.target}: {planned.revert}; "
                      "then read the state back to verify", effects.revert_calls,
                      default=planned.target)
        if not self._faults:
            self.add("revert", "no fault was injected: nothing to revert")
        self.add("teardown", "stop probes, the region simulator and the embedded AWS"
                  if self.settings.backend == "embedded" else
                  "stop probes; the stacks stay deployed (drill teardown removes them)")
        return tuple(self.phases[start:])

    # -- helpers -----------------------------------------------------------------------------

    def _fault(self, name: str, target: str, effects: FaultEffects,
               options: dict[str, Any]) -> tuple[PlannedFault, FaultEffects]:
        """The planned fault and the effects to plan with (FIS's on the aws backend)."""
        if self.settings.backend != "aws":
            return PlannedFault(name, target, effects.inject, effects.revert), effects
        try:
            template = fis_template(name, self.settings, **options)
        except ConfigError as exc:
            return PlannedFault(name, target, effects.inject, effects.revert,
                                fis_problem=str(exc)), effects
        fis = EXPERIMENT_EFFECTS
        return PlannedFault(name, target, f"{template.description}: {fis.inject}", fis.revert,
                            fis=template), fis

    def add(self, phase: str, summary: str, calls: Iterable[ApiCall] = (), *,
            default: str | None = None, fault: PlannedFault | None = None) -> None:
        """Plan a phase: what it does and the AWS calls it makes (regions resolved)."""
        actions = self._actions(phase, calls, default=default or self.settings.primary_region)
        self.phases.append(PlannedPhase(phase, summary, actions, fault))

    def _actions(self, phase: str, calls: Iterable[ApiCall], *, default: str,
                 step: str = "") -> tuple[PlannedAction, ...]:
        return tuple(PlannedAction(
            phase, call.resolve_region(self.settings, default), call.service, call.operation,
            self._target_text(call), call.service != "http" and call.mutating, step,
            self._note(call)) for call in calls)

    def _target_text(self, call: ApiCall) -> str:
        text = call.resolve_target(self.settings)
        return self.target.fill(text) if self.target else text

    def _note(self, call: ApiCall) -> str:
        """For a create the deployer skips when the thing exists: whether it does."""
        if call.operation != "CreateStack":
            return ("only if not configured yet"
                    if call.operation == "CreateReplicationConfiguration" else "")
        if self.target is None or self.target.refusal is not None:
            return "only if the stack does not exist"
        status = self.target.status(call.resolve_target(self.settings))
        return f"skipped: the stack exists ({status})" if status else "the stack does not exist"
