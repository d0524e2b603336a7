"""The evidence record's typed parts: frozen dataclasses, turned into JSON only at the edge.

Every field has a default so that an evidence file from an older schema still loads.
Times come in pairs: ``*_at`` is UTC ISO 8601 (a label), ``*_offset_s`` is drill seconds
since the run started (what durations are computed from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "NOT_RECORDED",
    "SCHEMA_VERSION",
    "Definitions",
    "Evidence",
    "FaultRecord",
    "Finding",
    "Governance",
    "GroundTruth",
    "InputFile",
    "JournalEntry",
    "MarkerSummary",
    "Measurement",
    "ObjectiveResult",
    "Objectives",
    "PhaseRecord",
    "ProbeSummary",
    "Provenance",
    "RegionPair",
    "RtoSplit",
    "Scope",
    "StepRecord",
    "StoreRpo",
    "TemplateRecord",
    "TestInfo",
    "Verdict",
]

SCHEMA_VERSION = "1.0"
NOT_RECORDED = "not recorded — supply via config"

Verdict = Literal["passed", "failed", "aborted", "error", "incomplete"]


@dataclass(frozen=True, slots=True)
class Objectives:
    """The recovery objectives the run was held to, in seconds."""

    rto_seconds: float | None = None
    rpo_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    """One objective against what was achieved; ``met`` is None when nothing was measured."""

    objective_seconds: float | None = None
    achieved_seconds: float | None = None
    met: bool | None = None
    margin_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class RegionPair:
    """A primary/DR pair of names (regions or stacks)."""

    primary: str = ""
    dr: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    """Where the test ran and what it covered."""

    account: str = "embedded"
    regions: RegionPair = field(default_factory=RegionPair)
    stacks: RegionPair = field(default_factory=RegionPair)
    environment: str = ""
    systems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TestInfo:
    """What kind of test this was and the scenario it ran."""

    kind: str = "disaster-recovery failover test"
    type: str = ""
    scenario: str = ""
    feature: str = ""
    gherkin: str = ""


@dataclass(frozen=True, slots=True)
class PhaseRecord:
    """One phase of the drill; ``end`` is None when it never finished."""

    name: str = ""
    start: str | None = None
    end: str | None = None
    start_offset_s: float | None = None
    end_offset_s: float | None = None
    duration_seconds: float | None = None
    status: str = "incomplete"
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """A fault injected during the run and whether it was reverted."""

    fault: str = ""
    target: str = ""
    injected_at: str | None = None
    injected_offset_s: float | None = None
    reverted_at: str | None = None
    reverted_offset_s: float | None = None
    status: Literal["reverted", "revert_failed", "still_active"] = "still_active"
    verified: bool | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One runbook step with its outcome and duration; ``actor`` is who ran it."""

    step: str = ""
    region: str = ""
    start: str | None = None
    end: str | None = None
    start_offset_s: float | None = None
    end_offset_s: float | None = None
    duration_seconds: float | None = None
    status: str = "incomplete"
    error: str | None = None
    # "drill": a step of the drill's own runbook; "operator": an API call a person made
    # through the embedded endpoint (`drill up`), as aws CLI or SDK sent it.
    actor: Literal["drill", "operator"] = "drill"
    # The steps this one waited for (the runbook's dependencies; the critical path's links).
    after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """Something that failed, was slow or deserves a follow-up."""

    id: str = ""
    severity: Literal["critical", "major", "minor", "info"] = "info"
    message: str = ""
    fix: str | None = None
    source: Literal["drill", "audit", "report"] = "drill"


@dataclass(frozen=True, slots=True)
class RtoSplit:
    """Where the recovery minutes went: detect, decide, execute (drill seconds)."""

    detect_seconds: float | None = None
    decide_seconds: float | None = None
    execute_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Measurement:
    """The instants RTO and RPO were computed from (drill-second offsets)."""

    outage_start_offset_s: float | None = None
    detected_offset_s: float | None = None
    runbook_started_offset_s: float | None = None
    recovered_offset_s: float | None = None
    served_region: str | None = None
    last_acked_marker: int | None = None
    newest_surviving_marker: int | None = None
    rto_error_bound_seconds: float | None = None
    rpo_by_store: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoreRpo:
    """One data store's RPO (database, efs, cache): measured from DR, judged, and true."""

    store: str = ""
    replicated: bool = True
    rpo_seconds: float | None = None  # None: no marker written before the outage survived
    rpo_lower_bound_seconds: float | None = None  # outage start - first marker, when None
    objective_seconds: float | None = None  # None: reported, not judged
    met: bool | None = None
    written: int = 0
    lost_markers: tuple[int, ...] = ()
    newest_surviving_marker: int | None = None
    true_rpo_seconds: float | None = None  # the simulator's, over acknowledged markers
    true_lost_markers: tuple[int, ...] | None = None  # None: no ground truth (aws backend)


@dataclass(frozen=True, slots=True)
class FailbackRecord:
    """The failback's own outcome (drills/run/failback_phases.py): downtime, data loss, truth.

    Times are seconds since the run's clock origin, like the failover's measurement.
    """

    downtime_seconds: float | None = None  # write freeze -> N healthy probes from the primary
    rpo_seconds: float | None = None  # over markers written after the failover
    freeze_at: float | None = None
    recovered_at: float | None = None
    served_region: str = ""
    written_after_failover: int = 0
    lost_markers: tuple[int, ...] = ()
    true_downtime_seconds: float | None = None  # None: no ground truth (aws backend)
    true_rpo_seconds: float | None = None
    true_lost_markers: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What the embedded simulator says really happened, and how far the probes were off."""

    rto_seconds: float | None = None
    rpo_seconds: float | None = None
    outage_start_offset_s: float | None = None
    recovered_offset_s: float | None = None
    lost_markers: tuple[int, ...] = ()
    rto_error_seconds: float | None = None
    rpo_error_seconds: float | None = None
    simulator_log_lines: int = 0


@dataclass(frozen=True, slots=True)
class ProbeSummary:
    """Counts over every probe sample in probes.csv."""

    samples: int = 0
    healthy: int = 0
    unhealthy: int = 0
    no_answer: int = 0
    by_region: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MarkerSummary:
    """Counts over every data marker in markers.csv."""

    written: int = 0
    acknowledged: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class Definitions:
    """The exact definitions the numbers were computed with, as text."""

    probe: str = ""
    outage_start: str = ""
    recovery: str = ""
    rto: str = ""
    rto_split: str = ""
    rpo: str = ""
    pitfalls: str = ""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who and what produced the run, so it can be reproduced."""

    operator: str = NOT_RECORDED
    tool_version: str = NOT_RECORDED
    git_commit: str = NOT_RECORDED
    seed: int | None = None
    latency_model: Mapping[str, float] = field(default_factory=dict)
    journal_events: int = 0
    journal_skipped_lines: int = 0


@dataclass(frozen=True, slots=True)
class Governance:
    """Facts only people know; each is a placeholder unless the run recorded it."""

    plan_version: str = NOT_RECORDED
    participants: str = NOT_RECORDED
    approval: str = NOT_RECORDED
    sign_off: str = NOT_RECORDED
    remediation_owner: str = NOT_RECORDED
    retention: str = NOT_RECORDED


@dataclass(frozen=True, slots=True)
class InputFile:
    """A raw file of the run folder the evidence was built from."""

    path: str = ""
    sha256: str = ""
    bytes: int = 0


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    """A CloudFormation template the run deployed: name, role, path and SHA-256."""

    name: str = ""
    role: str = ""  # primary or dr
    path: str = ""
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal event, reduced to a line a reader can follow."""

    seq: int = 0
    offset_s: float | None = None
    wall: str = ""
    kind: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """The whole evidence record of one drill run (schema :data:`SCHEMA_VERSION`)."""

    schema_version: str = SCHEMA_VERSION
    run_id: str = ""
    scenario: str = ""
    backend: str = ""
    environment: str = ""
    verdict: Verdict = "incomplete"
    verdict_reason: str = ""
    passed: bool = False
    exit_code: int | None = None
    rto_seconds: float | None = None
    rpo_seconds: float | None = None
    objectives: Objectives = field(default_factory=Objectives)
    rto: ObjectiveResult = field(default_factory=ObjectiveResult)
    rpo: ObjectiveResult = field(default_factory=ObjectiveResult)
    probe_interval_seconds: float | None = None
    marker_interval_seconds: float | None = None
    recovery_consecutive: int | None = None
    time_scale: float | None = None
    clock: str | None = None  # "virtual" or "scaled" (infra.core.virtual_clock); None: not recorded
    clock_origin_seconds: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float | None = None
    test: TestInfo = field(default_factory=TestInfo)
    scope: Scope = field(default_factory=Scope)
    phases: tuple[PhaseRecord, ...] = ()
    rto_split: RtoSplit = field(default_factory=RtoSplit)
    measurement: Measurement = field(default_factory=Measurement)
    lost_markers: tuple[int, ...] = ()
    stores: tuple[StoreRpo, ...] = ()  # RPO per data store
    failback: FailbackRecord | None = None  # when the scenario failed back
    faults: tuple[FaultRecord, ...] = ()
    runbook: tuple[StepRecord, ...] = ()
    outage_declared_by: str | None = None
    api_retries: int = 0
    findings: tuple[Finding, ...] = ()
    ground_truth: GroundTruth | None = None
    probes: ProbeSummary = field(default_factory=ProbeSummary)
    markers: MarkerSummary = field(default_factory=MarkerSummary)
    definitions: Definitions = field(default_factory=Definitions)
    provenance: Provenance = field(default_factory=Provenance)
    governance: Governance = field(default_factory=Governance)
    inputs: tuple[InputFile, ...] = ()
    templates: tuple[TemplateRecord, ...] = ()  # what was deployed, with cfn-lint's warnings
    lint_warnings: tuple[str, ...] = ()
    events: tuple[JournalEntry, ...] = ()
