"""Broken-setup table, second half: DNS, encryption and data stores.

The TTL row does not stop the runbook: DR serves, but clients keep the lost region's
address, so recovery never comes within the step budget. The KMS row stops the promotion.
The EFS row passes the runbook and loses every file; the cache row leaves DR unhealthy.
Each verdict names the readiness-audit finding as the likely cause (broken_dr.py).
"""

from __future__ import annotations

import pytest

from tests.features.broken_dr import check_named, run_examples

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

# breakage -> what the drill's own failure says, before the likely cause
SEEN = {
    "app-record-ttl-too-long": "healthy probes served by us-east-1",
    "dr-kms-key-disabled": "inaccessible-encryption-credentials",
    "efs-replication-deleted": "efs: none of",
    "dr-cache-deleted": "runbook step 'verify-dr-health' failed",
}


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """One ``drill run`` of these rows of the feature."""
    return run_examples(list(SEEN), tmp_path_factory.mktemp("broken-data"))


def test_the_feature_run_fails(table):
    code, _runs = table
    assert code == 1


@pytest.mark.parametrize("breakage", list(SEEN))
def test_the_drill_fails_naming_the_cause(table, breakage):
    _code, runs = table
    check_named(runs[breakage])
    [end] = [e for e in runs[breakage].events if e["kind"] == "run.finished"]
    assert SEEN[breakage] in end["reason"], end["reason"]
