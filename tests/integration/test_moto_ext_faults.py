"""The moto extensions the fault catalogue relies on, each against behaviour stock moto lacks.

- ``rds_failover``: ``RebootDBInstance(ForceFailover=True)`` takes the modelled time and
  moves the writer to its standby's zone (stock: instant, nothing changes), and is refused
  for a single-AZ instance (stock: accepted).
- ``elasticache_failover``: ``NumCacheClusters`` nodes spread over the subnet group's zones
  (stock: one node, in us-east-1a), ``TestFailover`` (stock: NotImplementedError).
- ``route53_rejections``: a refused change fails with ``PriorRequestNotComplete`` and is not
  applied (stock: every change is applied).
- ``cfn_created``: a created stack makes the simulator record its resources' health.
"""

# ruff: noqa: F811  (fixtures imported from fault_stack are parameters here)
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.integration.fault_stack import (  # noqa: F401  (fixtures)
    FAULT_LATENCY,
    clients,
    eventually,
    fault_settings,
    fault_sim,
    fault_stack,
    primary_cache,
    primary_database,
    shared_clients,
)
from tests.integration.simulator_stack import upsert_app_record

__all__: list[str] = []


def _group(clients, settings):
    return primary_cache(clients, settings)["NodeGroups"][0]


def _truth(sim, transition):
    lines = sim.truth_path.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e.get("transition") == transition]


def test_forced_failover_reboots_for_the_modelled_time_onto_the_standby(
        clients, fault_sim, fault_settings):
    rds = clients.client("rds", fault_settings.primary_region)
    before = primary_database(clients, fault_settings)
    rds.reboot_db_instance(DBInstanceIdentifier=before["DBInstanceIdentifier"],
                           ForceFailover=True)
    assert primary_database(clients, fault_settings)["DBInstanceStatus"] == "rebooting"
    after = eventually(lambda: (d := primary_database(clients, fault_settings))["DBInstanceStatus"]
                       == "available" and d)
    assert (after["AvailabilityZone"], after["SecondaryAvailabilityZone"]) == (
        "eu-west-2b", before["AvailabilityZone"])
    started, done = _truth(fault_sim, "rds.multi_az_failover")
    assert done["completed_at"] - started["started_at"] == pytest.approx(
        FAULT_LATENCY["rds_multi_az_failover"])


def test_a_forced_failover_of_a_single_az_instance_is_refused(clients, fault_settings):
    rds = clients.client("rds", fault_settings.primary_region)
    rds.create_db_instance(DBInstanceIdentifier="single-az", Engine="mysql",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="admin", MasterUserPassword="Df1-password")
    with pytest.raises(ClientError) as err:
        rds.reboot_db_instance(DBInstanceIdentifier="single-az", ForceFailover=True)
    assert err.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert "not a Multi-AZ DB instance" in err.value.response["Error"]["Message"]


def test_a_cache_has_its_nodes_in_its_zones_and_test_failover_promotes_the_replica(
        clients, fault_sim, fault_settings):
    before = _group(clients, fault_settings)["NodeGroupMembers"]
    assert [(m["CurrentRole"], m["PreferredAvailabilityZone"]) for m in before] == [
        ("primary", "eu-west-2a"), ("replica", "eu-west-2b")]
    cache = clients.client("elasticache", fault_settings.primary_region)
    group_id = f"streamflix-cache-{fault_settings.environment_suffix}"
    cache.test_failover(ReplicationGroupId=group_id, NodeGroupId="0001")
    for node_group, code in (("0001", "TestFailoverNotAvailableFault"),
                             ("0009", "NodeGroupNotFoundFault")):
        with pytest.raises(ClientError) as err:
            cache.test_failover(ReplicationGroupId=group_id, NodeGroupId=node_group)
        assert err.value.response["Error"]["Code"] == code
    group = eventually(lambda: (g := _group(clients, fault_settings))["Status"] == "available"
                       and g)
    roles = {m["PreferredAvailabilityZone"]: m["CurrentRole"] for m in group["NodeGroupMembers"]}
    assert roles == {"eu-west-2a": "replica", "eu-west-2b": "primary"}
    started, done = _truth(fault_sim, "elasticache.failover")
    assert done["completed_at"] - started["started_at"] == pytest.approx(
        FAULT_LATENCY["elasticache_failover"])


def test_a_refused_route53_change_fails_and_is_not_applied(
        clients, fault_sim, fault_stack):
    fault_sim.fault_plane.refuse_dns_changes(1)
    with pytest.raises(ClientError) as err:
        upsert_app_record(clients, fault_stack.zone_id, fault_stack.dr_alb)
    error = err.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "PriorRequestNotComplete", 400)
    records = clients.client("route53", "us-east-1").list_resource_record_sets(
        HostedZoneId=fault_stack.zone_id)["ResourceRecordSets"]
    assert fault_stack.dr_alb not in json.dumps(records)
    upsert_app_record(clients, fault_stack.zone_id, fault_stack.dr_alb)  # the next one goes in
    assert fault_sim.fault_plane.refused == 1


_STACK = {"Resources": {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": {
    "DBInstanceIdentifier": "streamflix-db-dev", "Engine": "mysql",
    "DBInstanceClass": "db.t3.micro", "AllocatedStorage": "20", "MasterUsername": "admin",
    "MasterUserPassword": "Df1-password"}}}}


def test_a_created_stack_makes_its_database_a_fact(clients, fault_settings, tmp_path):
    from infra.core.clock import Clock
    from infra.embedded.latency import LatencyModel
    from infra.embedded.simulator import RegionSimulator

    sim = RegionSimulator(settings=fault_settings, clock=Clock(scale=600),
                          latency=LatencyModel.from_settings(fault_settings),
                          truth_path=tmp_path / "truth.jsonl", data_dir=tmp_path / "db")
    with sim:
        clients.client("cloudformation", fault_settings.primary_region).create_stack(
            StackName="db-only", TemplateBody=json.dumps(_STACK))
        lines = sim.truth_path.read_text(encoding="utf-8").splitlines()
    events = [e for e in map(json.loads, lines) if e["kind"] in ("fact", "transition")
              and e.get("region") == fault_settings.primary_region]
    created = next(e for e in events if e.get("transition") == "cloudformation.stack_created")
    facts = [e for e in events if e["kind"] == "fact" and e["component"] == "database"]
    assert [f["ok"] for f in facts] == [False, True]
    assert facts[-1]["t"] == created["t"]
