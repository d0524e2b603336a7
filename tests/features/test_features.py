"""Binds every scenario of features/*.feature as a test.

features/faults/ is bound in test_fault_features, features/sweeps/ in test_latency_sweep,
and failback.feature in test_failback_feature, each with the settings its checks need.
"""

from __future__ import annotations

from pathlib import Path

from pytest_bdd import scenarios

FEATURES = Path(__file__).resolve().parents[2] / "features"

OWN_MODULE = {"failback.feature"}

scenarios(*sorted(str(p) for p in FEATURES.glob("*.feature") if p.name not in OWN_MODULE))
