"""RTO and RPO from what the probes and the marker writer saw: pure functions, no I/O, no clock.

Every time below is in drill seconds on the run's clock (``ProbeSample.t``,
``AckedMarker.written_at``, journal ``t``). These definitions are copied into reports.

Recovery
    The first of N consecutive probe samples (N = ``consecutive``, default 3) that are
    healthy (``ok``) and served by the DR region, taken at or after the search start.
    "Consecutive" means consecutive *samples*: a failed sample or a healthy sample served
    by another region breaks the run; a tick the prober skipped leaves no sample and does
    not. The recovery time is the ``t`` of the first sample of that run. The search starts
    at the first failed sample at or after the outage start (the failure confirms the
    outage), or at the outage start itself when no sample failed.

RTO
    ``rto_seconds = recovered_at - outage_start``, where the outage start is the fault's
    injection time from the journal. A probe records ``t`` when its request is sent, so the
    true moment of recovery lies in ``(previous sample's t, recovered_at]``: the error is
    at most one probe interval, and ``resolution_seconds`` gives the actual gap.
    The split, when the times are known: detect = ``detected_at - outage_start``,
    decide = ``runbook_started_at - detected_at``, execute = ``recovered_at -
    runbook_started_at`` (execute needs only the runbook start). Times out of order are
    a measurement error, not a negative duration.
    If no sample failed after the outage start, ``outage_confirmed`` is False: the RTO is
    still computed, but the fault may not have reached users and the drill should say so.

RPO
    A marker is *acknowledged before the outage* when it was acknowledged (HTTP 201) and
    sent strictly before the outage start (the engine also counts a marker whose
    acknowledgement was lost but which is found in DR: it was provably committed); a marker
    sent at the very instant of injection raced the fault and is not counted. Of those
    markers, ``last`` is the newest and ``newest surviving`` the newest one readable in the
    DR database after failover.
    ``rpo_seconds = last.written_at - newest_surviving.written_at`` (0 when the last one
    survived). ``lost`` lists every acknowledged-before-outage marker missing in DR by
    sequence number; ``gaps`` are the lost ones older than the newest survivor (a hole in
    the replicated data, which the RPO figure alone does not show).
    If none survived, ``rpo_seconds = outage_start - first.written_at`` (the first
    acknowledged marker): everything the drill wrote was lost, the true loss window started
    no later than that, and ``lower_bound`` is True. If nothing was acknowledged before the
    outage, RPO cannot be measured and :class:`~infra.core.errors.MeasurementError` is raised.

Downtime
    Sample-and-hold: each sample's state lasts from its ``t`` to the next sample's ``t``
    (the last one to the window end). Before the first sample in the window, the state of
    the newest sample before the window holds; with none, that stretch is not counted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra.core.errors import MeasurementError

if TYPE_CHECKING:
    from drills.measure.probes import AckedMarker, ProbeSample

__all__ = [
    "RpoResult",
    "RtoResult",
    "downtime",
    "failures_since",
    "find_recovery",
    "first_failure",
    "measure_rpo",
    "measure_rto",
    "tail_healthy",
]


@dataclass(frozen=True, slots=True)
class RtoResult:
    """Recovery time measured from probe samples, with its detect/decide/execute split."""

    rto_seconds: float
    outage_start: float
    recovered_at: float
    served_region: str
    consecutive: int
    first_failed_probe_at: float | None
    failed_probes: int
    resolution_seconds: float | None
    detected_at: float | None = None
    runbook_started_at: float | None = None
    detect_seconds: float | None = None
    decide_seconds: float | None = None
    execute_seconds: float | None = None

    @property
    def outage_confirmed(self) -> bool:
        """True when a failed probe after the outage start confirmed the outage."""
        return self.first_failed_probe_at is not None


@dataclass(frozen=True, slots=True)
class RpoResult:
    """Data loss measured from acknowledged markers and the markers surviving in DR."""

    rpo_seconds: float
    outage_start: float
    acked_before_outage: int
    last_acked: int
    last_acked_at: float
    newest_surviving: int | None
    newest_surviving_at: float | None
    lost: tuple[int, ...]
    gaps: tuple[int, ...]
    lower_bound: bool


def _ordered(samples: Iterable[ProbeSample]) -> list[ProbeSample]:
    # Callers may merge or re-read samples; measurement must not depend on input order.
    return sorted(samples, key=lambda s: (s.t, s.seq))


def first_failure(samples: Iterable[ProbeSample], *, after: float) -> ProbeSample | None:
    """The first failed sample at or after ``after``, or None."""
    return next((s for s in _ordered(samples) if s.t >= after and not s.ok), None)


def find_recovery(
    samples: Iterable[ProbeSample], *, after: float, region: str, consecutive: int = 3
) -> ProbeSample | None:
    """The first of ``consecutive`` healthy samples served by ``region`` at or after ``after``."""
    if consecutive < 1:
        raise ValueError(f"consecutive must be >= 1, got {consecutive!r}")
    run: list[ProbeSample] = []
    for sample in _ordered(samples):
        if sample.t < after:
            continue
        if sample.ok and sample.region == region:
            run.append(sample)
            if len(run) == consecutive:
                return run[0]
        else:
            run.clear()
    return None


def _span(start: float | None, end: float | None, what: str) -> float | None:
    if start is None or end is None:
        return None
    if end < start:
        raise MeasurementError(f"{what}: end t={end!r} precedes start t={start!r}")
    return end - start


def _resolution(ordered: Sequence[ProbeSample], recovery: ProbeSample) -> float | None:
    earlier = [s.t for s in ordered if s.t < recovery.t]
    return recovery.t - earlier[-1] if earlier else None


def measure_rto(
    samples: Iterable[ProbeSample],
    *,
    outage_start: float,
    dr_region: str,
    consecutive: int = 3,
    detected_at: float | None = None,
    runbook_started_at: float | None = None,
) -> RtoResult:
    """RTO = recovery (N healthy DR samples) - outage start, split into detect/decide/execute.

    Raises:
        MeasurementError: no recovery was observed, or the given times are out of order.
    """
    ordered = _ordered(samples)
    failed = first_failure(ordered, after=outage_start)
    after = failed.t if failed is not None else outage_start
    recovery = find_recovery(ordered, after=after, region=dr_region, consecutive=consecutive)
    if recovery is None:
        last = ordered[-1] if ordered else None
        raise MeasurementError(
            f"no recovery: no {consecutive} consecutive healthy samples served by "
            f"{dr_region!r} at or after t={after!r} ({len(ordered)} samples, last {last!r})"
        )
    return RtoResult(
        rto_seconds=recovery.t - outage_start,
        outage_start=outage_start,
        recovered_at=recovery.t,
        served_region=recovery.region,
        consecutive=consecutive,
        first_failed_probe_at=failed.t if failed is not None else None,
        failed_probes=sum(1 for s in ordered if outage_start <= s.t < recovery.t and not s.ok),
        resolution_seconds=_resolution(ordered, recovery),
        detected_at=detected_at,
        runbook_started_at=runbook_started_at,
        detect_seconds=_span(outage_start, detected_at, "detect (outage start -> detected)"),
        decide_seconds=_span(detected_at, runbook_started_at, "decide (detected -> runbook)"),
        execute_seconds=_span(runbook_started_at, recovery.t, "execute (runbook -> recovery)"),
    )


def measure_rpo(
    acked: Iterable[AckedMarker], surviving: Collection[int], *, outage_start: float
) -> RpoResult:
    """RPO = last marker acknowledged before the outage - newest of those surviving in DR.

    Raises:
        MeasurementError: no marker was acknowledged before the outage.
    """
    before = sorted((m for m in acked if m.written_at < outage_start),
                    key=lambda m: (m.written_at, m.seq))
    if not before:
        raise MeasurementError(
            f"no marker was acknowledged before the outage at t={outage_start!r}: "
            "RPO cannot be measured (was the marker writer running before the fault?)"
        )
    last = before[-1]
    survivors = [m for m in before if m.seq in surviving]
    newest = survivors[-1] if survivors else None
    lost = tuple(sorted(m.seq for m in before if m.seq not in surviving))
    gaps: tuple[int, ...] = ()
    if newest is None:
        rpo = outage_start - before[0].written_at
    else:
        rpo = last.written_at - newest.written_at
        gaps = tuple(sorted(m.seq for m in before[: before.index(newest)] if m.seq in lost))
    return RpoResult(
        rpo_seconds=rpo,
        outage_start=outage_start,
        acked_before_outage=len(before),
        last_acked=last.seq,
        last_acked_at=last.written_at,
        newest_surviving=newest.seq if newest is not None else None,
        newest_surviving_at=newest.written_at if newest is not None else None,
        lost=lost,
        gaps=gaps,
        lower_bound=newest is None,
    )


def downtime(samples: Iterable[ProbeSample], *, start: float, end: float) -> float:
    """Drill seconds within ``[start, end]`` the service was seen unhealthy (sample-and-hold)."""
    if end < start:
        raise ValueError(f"end {end!r} precedes start {start!r}")
    ordered = _ordered(samples)
    prior = [s for s in ordered if s.t < start][-1:]
    inside = [s for s in ordered if start <= s.t <= end]
    held = [(start, prior[0].ok)] if prior else []
    points = held + [(s.t, s.ok) for s in inside]
    total = 0.0
    for i, (t, ok) in enumerate(points):
        until = points[i + 1][0] if i + 1 < len(points) else end
        if not ok:
            total += until - t
    return total


def tail_healthy(samples: Sequence[ProbeSample], n: int, region: str) -> bool:
    """The last ``n`` samples are healthy and were served by ``region``."""
    tail = samples[-n:]
    return len(tail) == n and all(x.ok and x.region == region for x in tail)


def failures_since(samples: Sequence[ProbeSample], start: float) -> int:
    """How many samples in a row, counting back from the newest, failed since ``start``."""
    count = 0
    for sample in reversed(samples):
        if sample.t < start or sample.ok:
            break
        count += 1
    return count
