"""The typed seam between a running drill and the modules that act on it.

The engine (:class:`drills.run.engine.Drill`) owns a run; the phase modules (judging,
outcomes, per-store RPO, the failback, the runbooks' context) receive it as a
:class:`RunContext`, which says exactly what they may read and write, and reach the backend
through :class:`Backend`, which both backends (:mod:`drills.run.backends`) satisfy. mypy checks
both: the engine assigns itself to a ``RunContext`` and each backend to a ``Backend``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import requests

from drills.audit.auditor import AuditReport
from drills.faults import Fault, FaultContext, FaultRegistry
from drills.journal.timeline import Timeline
from drills.measure.probes import MarkerWriter, Prober
from drills.measure.results import DrillResult, Objectives
from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.core.clock import Clock
from infra.retry import RetryHook

if TYPE_CHECKING:  # heavy (moto): only for the types
    from infra.deploy import Deployment
    from infra.embedded.simulator import RegionSimulator
    from infra.embedded.truth import GroundTruth

__all__ = ["Backend", "RunContext", "started"]

_T = TypeVar("_T")


def started(part: _T | None, what: str) -> _T:
    """``part``, or RuntimeError naming ``what`` when the run has not made it yet."""
    if part is None:
        raise RuntimeError(f"{what} is not there yet: the drill or backend has not started it")
    return part


class Backend(Protocol):
    """Where a drill's AWS API and application live: embedded (moto + simulator) or aws."""

    name: str
    account: str
    use_proxies: bool  # reach the application through HTTP(S)_PROXY, as its users do

    @property
    def clients(self) -> ClientFactory: ...
    @property
    def deployment(self) -> Deployment: ...
    @property
    def dataplane(self) -> RegionSimulator | None: ...

    def start(self) -> None:
        """Start what the backend runs locally and pass the target guard."""
        ...

    def deploy(self, on_retry: RetryHook | None = None) -> Deployment:
        """Deploy (embedded) or find (aws) both stacks."""
        ...

    def adopt(self, deployment: Deployment) -> None:
        """Take stacks deployed by someone else (people, in ``drill up --empty``) as ours."""
        ...

    def resolve(self, hostname: str) -> str:
        """Base URL that ``hostname`` reaches now."""
        ...

    def make_fault(self, registry: FaultRegistry, name: str, ctx: FaultContext, run_id: str,
                   **options: object) -> Fault:
        """The fault ``name`` in this backend's form."""
        ...

    def replica_lag_seconds(self) -> float | None:
        """The DR replica's ReplicaLag (-1: stopped); None when there is none yet."""
        ...

    def ground_truth(self) -> GroundTruth | None:
        """What really happened (embedded), None on an account."""
        ...

    def stop(self) -> None:
        """Stop whatever the backend started; safe to call twice."""
        ...


class RunContext(Protocol):
    """What the phase modules read and write of a running drill."""

    settings: Settings
    objectives: Objectives
    prober: Prober | None
    writer: MarkerWriter | None
    outage_start: float | None
    detected_at: float | None
    runbook_started_at: float | None
    result: DrillResult | None
    readiness: AuditReport | None
    faults: list[Fault]
    exit_code: int | None
    clock: Clock
    timeline: Timeline
    run_dir: Path
    http: requests.Session

    @property
    def progress(self) -> Callable[[str], None]: ...

    @property
    def backend(self) -> Backend: ...

    def phase(self, name: str) -> AbstractContextManager[None]:
        """Journal a phase's start and end (and failure)."""
        ...

    def app_target(self) -> str:
        """Base URL the application's DNS name leads to now."""
        ...

    def journal_retry(self, service: str, operation: str, attempt: int,
                      error: BaseException) -> None:
        """Journal one retried AWS call."""
        ...
