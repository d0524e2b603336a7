from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

from drills.faults import FaultContext, default_registry


def test_region_outage_cuts_regional_apis_only_and_reverts(clients):
    ctx = FaultContext(clients, None, "eu-west-2", "us-east-1")
    fault = default_registry().create("region-outage", ctx, region="eu-west-2")
    primary_rds = clients.client("rds", "eu-west-2")
    assert primary_rds.describe_db_instances()["DBInstances"] == []

    fault.inject()
    assert fault.is_active()
    with pytest.raises(EndpointConnectionError, match="Could not connect to the endpoint URL"):
        primary_rds.describe_db_instances()
    # The DR region and global services keep answering, as in a real regional outage.
    assert clients.client("rds", "us-east-1").describe_db_instances()["DBInstances"] == []
    assert "HostedZones" in clients.client("route53", "eu-west-2").list_hosted_zones()

    fault.revert()
    assert not fault.is_active()
    assert primary_rds.describe_db_instances()["DBInstances"] == []
