"""The failback's outcome in the evidence: from the journal's failback measurement and truth.

A scenario that fails back (drills/run/failback_phases.py) journals ``failback.measurement`` and, on
the embedded backend, ``failback.ground_truth``; this joins them into a
:class:`~reports.records.FailbackRecord`, times as offsets from the run's clock origin.
"""

from __future__ import annotations

from typing import Any

from reports._values import ints, number
from reports.records import FailbackRecord
from reports.sources import Journal

__all__ = ["failback_record"]


def failback_record(journal: Journal, t0: float) -> FailbackRecord | None:
    """The failback's record, or None when the run did not fail back."""
    measured, truth = journal.last("failback.measurement"), journal.last("failback.ground_truth")
    if measured is None:
        return None

    def at(value: Any) -> float | None:
        t = number(value)
        return None if t is None else round(t - t0, 3)

    truth = truth or {}
    written = number(measured.get("written_after_failover"))
    return FailbackRecord(
        downtime_seconds=number(measured.get("downtime_seconds")),
        rpo_seconds=number(measured.get("rpo_seconds")), freeze_at=at(measured.get("freeze_at")),
        recovered_at=at(measured.get("recovered_at")),
        served_region=str(measured.get("served_region", "")),
        written_after_failover=int(written or 0),
        lost_markers=ints(measured.get("lost_markers")),
        true_downtime_seconds=number(truth.get("downtime_seconds")),
        true_rpo_seconds=number(truth.get("rpo_seconds")),
        true_lost_markers=ints(truth.get("lost_markers")) if truth else None)
