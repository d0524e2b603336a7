"""Behavioural moto extensions: promotion, task start, Route 53 changes and health checks."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.simulator_stack import eventually, upsert_app_record

__all__: list[str] = []


def _replica(clients, settings):
    rds = clients.client("rds", settings.dr_region)
    return rds.describe_db_instances(DBInstanceIdentifier=settings.replica_id)["DBInstances"][0]


def test_promote_cuts_the_link_on_both_sides(stack, clients, sim_settings):
    clients.client("rds", sim_settings.dr_region).promote_read_replica(
        DBInstanceIdentifier=sim_settings.replica_id)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in _replica(clients, sim_settings)
    primary = clients.client("rds", sim_settings.primary_region).describe_db_instances(
        DBInstanceIdentifier=f"streamflix-db-{sim_settings.environment_suffix}")["DBInstances"][0]
    assert primary["ReadReplicaDBInstanceIdentifiers"] == []


def test_second_promote_is_rejected_as_aws_does(stack, clients, sim_settings):
    rds = clients.client("rds", sim_settings.dr_region)
    rds.promote_read_replica(DBInstanceIdentifier=sim_settings.replica_id)
    with pytest.raises(ClientError) as err:
        rds.promote_read_replica(DBInstanceIdentifier=sim_settings.replica_id)
    assert err.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    assert "is not a read replica" in err.value.response["Error"]["Message"]


def test_promoted_replica_is_modifying_until_the_model_says(simulator, clients, sim_settings):
    rds = clients.client("rds", sim_settings.dr_region)
    started = simulator.clock.now()
    rds.promote_read_replica(DBInstanceIdentifier=sim_settings.replica_id)
    assert _replica(clients, sim_settings)["DBInstanceStatus"] == "modifying"
    rds.get_waiter("db_instance_available").wait(
        DBInstanceIdentifier=sim_settings.replica_id,
        WaiterConfig={"Delay": 0.01, "MaxAttempts": 1000},
    )
    assert simulator.clock.now() - started >= 120.0  # rds_promote override


def test_services_stable_waits_for_task_start(simulator, clients, sim_settings):
    ecs = clients.client("ecs", sim_settings.dr_region)
    started = simulator.clock.now()
    ecs.update_service(cluster=sim_settings.dr_cluster, service=sim_settings.dr_service,
                       desiredCount=2)
    svc = ecs.describe_services(cluster=sim_settings.dr_cluster,
                                services=[sim_settings.dr_service])["services"][0]
    assert (svc["desiredCount"], svc["runningCount"], svc["pendingCount"]) == (2, 0, 2)
    ecs.get_waiter("services_stable").wait(
        cluster=sim_settings.dr_cluster, services=[sim_settings.dr_service],
        WaiterConfig={"Delay": 0.01, "MaxAttempts": 1000})
    assert simulator.clock.now() - started >= 60.0  # fargate_start 40 + alb_target_healthy 20


def test_scale_to_zero_drops_at_once(simulator, clients, sim_settings):
    ecs = clients.client("ecs", sim_settings.primary_region)
    ecs.update_service(cluster=sim_settings.primary_cluster,
                       service=sim_settings.primary_service, desiredCount=0)
    svc = ecs.describe_services(cluster=sim_settings.primary_cluster,
                                services=[sim_settings.primary_service])["services"][0]
    assert svc["runningCount"] == 0


def test_record_change_is_pending_until_propagated(simulator, clients, stack):
    info = upsert_app_record(clients, stack.zone_id, stack.dr_alb)
    assert info["Status"] == "PENDING"
    r53 = clients.client("route53", "us-east-1")
    r53.get_waiter("resource_record_sets_changed").wait(
        Id=info["Id"], WaiterConfig={"Delay": 0.01, "MaxAttempts": 1000})
    assert r53.get_change(Id=info["Id"])["ChangeInfo"]["Status"] == "INSYNC"


def _check_status(clients, stack):
    r53 = clients.client("route53", "us-east-1")
    check = r53.create_health_check(CallerReference="hc", HealthCheckConfig={
        "Type": "HTTP", "FullyQualifiedDomainName": stack.primary_alb, "ResourcePath": "/health",
        "RequestInterval": 30, "FailureThreshold": 3})["HealthCheck"]["Id"]
    return lambda: r53.get_health_check_status(HealthCheckId=check)[
        "HealthCheckObservations"][0]["StatusReport"]["Status"]


def test_health_check_fails_after_detection_time(simulator, clients, stack, sim_settings):
    status = _check_status(clients, stack)
    assert status().startswith("Success")
    simulator.region_down(sim_settings.primary_region)
    down = simulator.clock.now()
    assert status().startswith("Success")  # not yet 3 failed checks
    eventually(lambda: status().startswith("Failure"))
    assert simulator.clock.now() - down >= 90.0  # route53_health_detect override
