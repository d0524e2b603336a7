"""RPO per data store in the evidence: from the journal's measurement and ground truth.

The drill journals each store's measured RPO (``measurement.stores``) and, on the embedded
backend, the simulator's account per store (``ground_truth.stores``); this joins the two
into :class:`~reports.records.StoreRpo` records, in the drill's store order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports._values import ints, number
from reports.records import StoreRpo

__all__ = ["store_records"]


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def store_records(measured: Mapping[str, Any],
                  truth: Mapping[str, Any] | None) -> tuple[StoreRpo, ...]:
    """One record per store the drill measured, with the simulator's truth when known."""
    true = _map(truth.get("stores")) if truth else {}
    records = []
    for name, m in _map(measured.get("stores")).items():
        m, t = _map(m), _map(true.get(name))
        met = m.get("met")
        records.append(StoreRpo(
            store=str(name), replicated=bool(m.get("replicated", True)),
            rpo_seconds=number(m.get("rpo_seconds")),
            rpo_lower_bound_seconds=number(m.get("rpo_lower_bound_seconds")),
            objective_seconds=number(m.get("objective_seconds")),
            met=met if isinstance(met, bool) else None, written=int(m.get("written") or 0),
            lost_markers=ints(m.get("lost_markers")),
            newest_surviving_marker=None if number(m.get("newest_surviving_marker")) is None
            else int(m["newest_surviving_marker"]),
            true_rpo_seconds=number(t.get("rpo_over_acknowledged")),
            true_lost_markers=ints(t.get("lost_markers")) if t else None))
    return tuple(records)
