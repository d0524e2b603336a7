"""The run folder's contract: its file names, the journal's event kinds, the key records.

A drill writes a run folder (:mod:`drills.journal.timeline` and the probes); everything in
:mod:`reports` is built from that folder alone. This module is the one place both sides name
it: the files, every event ``kind`` the journal may hold (:data:`EventKind`, checked by mypy
where the drill journals one), and typed records for the three events a verdict rests on
(``run.started``, ``measurement``, ``run.finished``) that the drill writes through and the
reports and tests read through (:meth:`Measurement.from_event` and its siblings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, get_args

__all__ = [
    "CUCUMBER", "EVENT_KINDS", "EVIDENCE", "GROUND_TRUTH", "JOURNAL", "JUNIT", "MANIFEST",
    "MARKERS", "METRICS", "PROBES", "REPORT", "SIGNATURE", "EventKind", "Measurement",
    "RunFinished", "RunStarted", "event_fields",
]

# Files a run folder holds. The drill writes the first four while it runs; reports/publish.py
# writes the rest from them once it is over.
JOURNAL = "timeline.jsonl"
PROBES = "probes.csv"
MARKERS = "markers.csv"
GROUND_TRUTH = "ground_truth.jsonl"  # embedded backend only: the simulator's own account
JUNIT = "junit.xml"
CUCUMBER = "cucumber.json"
EVIDENCE = "evidence.json"
REPORT = "report.html"
METRICS = "metrics.prom"
MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sha256.sig"

EventKind = Literal[
    "run.started", "objectives", "phase.started", "phase.finished", "readiness.audit",
    "preflight", "stores.baseline", "fault.injecting", "fault.injected", "fault.reverted",
    "fault.revert_failed", "outage.declared", "runbook.step.started", "runbook.step.finished",
    "api.retry", "measurement", "ground_truth", "finding", "replication.watch",
    "markers.resumed", "failback.measurement", "failback.ground_truth", "interrupt.deferred",
    "operator.call", "operator.http", "rehearsal.ready", "rehearsal.inject_requested",
    "rehearsal.linger_ended", "cleanup.started", "cleanup.fault", "cleanup.finished",
    "dr.broken", "run.finished",
    # wave 2: the templates deployed, a failed create with nothing to revert, drill up by
    # hand, forecasts
    "templates", "revert.nothing", "rehearsal.deployed", "rehearsal.serving",
    "rehearsal.failback_awaited",
]
EVENT_KINDS: frozenset[str] = frozenset(get_args(EventKind))

_R = TypeVar("_R", bound="_Record")


def event_fields(record: RunStarted | Measurement | RunFinished) -> dict[str, Any]:
    """A record's fields as the journal event carries them (kind, seq, t, wall aside)."""
    return dataclasses.asdict(record)


class _Record:
    """A journal event's typed form: its kind, and how it loads from the event."""

    __slots__ = ()
    KIND: ClassVar[EventKind]

    @classmethod
    def from_event(cls: type[_R], event: Mapping[str, Any]) -> _R:
        """The record in a journal event (unknown keys ignored, missing ones defaulted)."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in event.items() if k in names})


@dataclass(frozen=True, slots=True)
class RunStarted(_Record):
    """``run.started``: what ran, where, with which settings and objectives."""

    KIND: ClassVar[EventKind] = "run.started"

    run_id: str = ""
    scenario: str = ""
    feature: str = ""
    gherkin: str = ""
    backend: str = ""
    environment: str = ""
    time_scale: float = 1.0
    clock: str = ""  # virtual or scaled (infra/core/virtual_clock.py); "" before it was journaled
    objectives: Mapping[str, float] = field(default_factory=dict)
    probe_interval_seconds: float | None = None
    marker_interval_seconds: float | None = None
    recovery_consecutive: int | None = None
    regions: Mapping[str, str] = field(default_factory=dict)
    stacks: Mapping[str, str] = field(default_factory=dict)
    account: str = ""
    operator: str = ""
    tool_version: str = ""
    git_commit: str | None = None
    seed: int | None = None
    latency: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Measurement(_Record):
    """``measurement``: the one judgement's figures (drill seconds on the run's clock)."""

    KIND: ClassVar[EventKind] = "measurement"

    rto_seconds: float = 0.0
    rpo_seconds: float = 0.0
    outage_start: float | None = None
    detected_at: float | None = None
    runbook_started_at: float | None = None
    recovered_at: float | None = None
    detect_seconds: float | None = None
    decide_seconds: float | None = None
    execute_seconds: float | None = None
    failed_probes: int = 0
    lost_markers: list[int] = field(default_factory=list)
    last_acked_marker: int | None = None
    newest_surviving_marker: int | None = None
    served_region: str = ""
    rpo_by_store: Mapping[str, float | None] = field(default_factory=dict)
    stores: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunFinished(_Record):
    """``run.finished``: the verdict, its exit code and why."""

    KIND: ClassVar[EventKind] = "run.finished"

    verdict: Literal["passed", "failed", "aborted", "error"] = "error"
    passed: bool = False
    exit_code: int = 1
    reason: str = ""
