"""The simulator hears of a cross-region replica of a promoted instance (failback)."""

from __future__ import annotations

import boto3
from moto import mock_aws

from infra.embedded import moto_ext
from infra.embedded.moto_ext import transitions
from infra.embedded.moto_ext.rds_replica_events import DELETED, REPLICA_CREATED

__all__: list[str] = []


def test_replica_of_a_promoted_instance_back_in_the_primary_region_is_reported(tmp_path):
    moto_ext.install()
    seen: list[transitions.TransitionEvent] = []
    from infra.core.clock import Clock
    from infra.embedded.latency import LatencyModel
    from infra.embedded.scheduler import Scheduler

    clock = Clock(scale=1.0)
    context = transitions.TransitionContext(clock=clock, latency=LatencyModel(),
                                            scheduler=Scheduler(clock), observer=seen.append)
    transitions.activate(context)
    try:
        with mock_aws():
            primary = boto3.client("rds", region_name="eu-west-2")
            dr = boto3.client("rds", region_name="us-east-1")
            arn = primary.create_db_instance(
                DBInstanceIdentifier="db", Engine="mysql", DBInstanceClass="db.t3.medium",
                MasterUsername="u", MasterUserPassword="password1", AllocatedStorage=20,
            )["DBInstance"]["DBInstanceArn"]
            dr.create_db_instance_read_replica(DBInstanceIdentifier="rep",
                                               SourceDBInstanceIdentifier=arn,
                                               SourceRegion="eu-west-2")
            dr.promote_read_replica(DBInstanceIdentifier="rep")
            dr_arn = dr.describe_db_instances(
                DBInstanceIdentifier="rep")["DBInstances"][0]["DBInstanceArn"]
            primary.delete_db_instance(DBInstanceIdentifier="db", SkipFinalSnapshot=True)
            back = primary.create_db_instance_read_replica(
                DBInstanceIdentifier="db", SourceDBInstanceIdentifier=dr_arn,
                SourceRegion="us-east-1")["DBInstance"]
    finally:
        transitions.deactivate(context)
    assert back["ReadReplicaSourceDBInstanceIdentifier"] == dr_arn
    reported = [(e.kind, e.subject, e.region) for e in seen
                if e.kind in (REPLICA_CREATED, DELETED)]
    assert reported == [(REPLICA_CREATED, "rep", "us-east-1"), (DELETED, "db", "eu-west-2"),
                        (REPLICA_CREATED, "db", "eu-west-2")]
