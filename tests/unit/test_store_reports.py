"""RPO per data store in the evidence record and in Prometheus metrics."""

from __future__ import annotations

from reports.evidence_stores import store_records
from reports.metrics import registry_for
from reports.records import Evidence, StoreRpo

__all__: list[str] = []

LABELS = {"scenario": "s", "environment": "dev", "backend": "embedded"}
MEASURED = {"rpo_seconds": 4.0, "stores": {
    "database": {"rpo_seconds": 4.0, "objective_seconds": 5.0, "met": True, "replicated": True,
                 "written": 40, "lost_markers": [39, 40], "newest_surviving_marker": 38},
    "efs": {"rpo_seconds": None, "rpo_lower_bound_seconds": 79.0, "objective_seconds": 900.0,
            "met": False, "replicated": True, "written": 40, "lost_markers": list(range(1, 41)),
            "newest_surviving_marker": None},
}}
TRUTH = {"stores": {"database": {"rpo_over_acknowledged": 4.0, "lost_markers": [39, 40]},
                    "efs": {"rpo_over_acknowledged": None, "lost_markers": list(range(1, 41))}}}


def test_store_records_join_measurement_and_truth():
    db, efs = store_records(MEASURED, TRUTH)
    assert (db.store, db.rpo_seconds, db.met, db.lost_markers, db.true_rpo_seconds) == (
        "database", 4.0, True, (39, 40), 4.0)
    assert (efs.rpo_seconds, efs.rpo_lower_bound_seconds, efs.met) == (None, 79.0, False)
    assert efs.true_lost_markers == tuple(range(1, 41))
    assert store_records(MEASURED, None)[0].true_lost_markers is None  # aws: no truth


def test_metrics_carry_a_store_label_and_keep_the_headline_rpo():
    ev = Evidence(scenario="s", environment="dev", backend="embedded", rpo_seconds=4.0,
                  stores=(StoreRpo(store="database", rpo_seconds=4.0, lost_markers=(39, 40)),
                          StoreRpo(store="efs", rpo_seconds=64.0, lost_markers=(1, 2, 3)),
                          StoreRpo(store="cache", replicated=False, lost_markers=(1, 2))))
    registry = registry_for(ev)
    assert registry.get_sample_value("dr_drill_rpo_seconds", LABELS) == 4.0
    assert registry.get_sample_value("dr_drill_store_rpo_seconds",
                                     {**LABELS, "store": "efs"}) == 64.0
    # No recovery point: no RPO sample at all (never a 0), but the lost count is there.
    assert registry.get_sample_value("dr_drill_store_rpo_seconds",
                                     {**LABELS, "store": "cache"}) is None
    assert registry.get_sample_value("dr_drill_lost_markers",
                                     {**LABELS, "store": "cache"}) == 2.0
