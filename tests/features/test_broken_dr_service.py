"""Broken-setup table, first half: DR setups whose tasks cannot start or cannot be reached.

Each row's drill fails in the failover runbook; the step's own error says what the data
plane saw (the service's newest event, the load balancer's answer), and the verdict names
the readiness-audit finding as the likely cause (tests/features/broken_dr.py).
"""

from __future__ import annotations

import pytest

from tests.features.broken_dr import table_tests

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first


table, test_the_feature_run_fails, test_the_drill_fails_naming_the_cause = table_tests(
    ["dr-task-definition-deleted", "dr-image-in-primary-registry", "dr-listener-deleted",
     "dr-task-port-closed"], "broken-service", reason_starts="runbook step ")
