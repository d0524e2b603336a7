"""Broken-setup table, second half: DNS, encryption and data stores.

The TTL row does not stop the runbook: DR serves, but clients keep the lost region's
address, so recovery never comes within the step budget. The KMS row stops the promotion.
The EFS row passes the runbook and loses every file; the cache row leaves DR unhealthy.
Each verdict names the readiness-audit finding as the likely cause (broken_dr.py).
"""

from __future__ import annotations

import pytest

from tests.features.broken_dr import table_tests

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first


table, test_the_feature_run_fails, test_the_drill_fails_naming_the_cause = table_tests(
    ["app-record-ttl-too-long", "dr-kms-key-disabled", "efs-replication-deleted",
     "dr-cache-deleted"], "broken-data")
