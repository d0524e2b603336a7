"""A two-region StreamFlix stack made with plain boto3 calls, and a running simulator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.settings.config import load_settings
from infra.core.clock import Clock
from infra.embedded.latency import LatencyModel
from infra.embedded.simulator import RegionSimulator

__all__ = ["APP", "LATENCY", "Stack", "eventually", "make_stack"]

APP = "app.streamflix.example.com"
# Small, fixed durations (drill seconds) so the order of transitions is known in advance.
LATENCY = {"rds_promote": 120.0, "fargate_start": 40.0, "alb_target_healthy": 20.0,
           "route53_propagation": 30.0, "replication_lag": 1.0, "route53_health_detect": 90.0}


@dataclass(frozen=True, slots=True)
class Stack:
    """What the tests need to drive a failover."""

    zone_id: str
    primary_alb: str
    dr_alb: str


def eventually(check, *, within: float = 10.0):
    """``check()``'s first truthy result, polled until ``within`` real seconds pass."""
    retrying = Retrying(stop=stop_after_delay(within), wait=wait_fixed(0.01),
                        retry=retry_if_result(lambda r: not r))
    return retrying(check)


def _alb(clients, region: str, name: str) -> str:
    ec2 = clients.client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # An internet-facing load balancer needs its VPC's internet gateway (ELB-INTERNET-FACING-IGW).
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab")]
    lb = clients.client("elbv2", region).create_load_balancer(Name=name, Subnets=subnets)
    return lb["LoadBalancers"][0]["DNSName"]


def _database(clients, settings) -> None:
    primary = clients.client("rds", settings.primary_region).create_db_instance(
        DBInstanceIdentifier=f"streamflix-db-{settings.environment_suffix}", Engine="mysql",
        DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUsername="admin",
        MasterUserPassword="Df1-password", BackupRetentionPeriod=7,
    )["DBInstance"]
    clients.client("rds", settings.dr_region).create_db_instance_read_replica(
        DBInstanceIdentifier=settings.replica_id,
        SourceDBInstanceIdentifier=primary["DBInstanceArn"], DBInstanceClass="db.t3.micro",
    )


def _services(clients, settings) -> None:
    for region, cluster, service, count in (
        (settings.primary_region, settings.primary_cluster, settings.primary_service, 2),
        (settings.dr_region, settings.dr_cluster, settings.dr_service, 0),
    ):
        ecs = clients.client("ecs", region)
        ecs.create_cluster(clusterName=cluster)
        ecs.create_service(cluster=cluster, serviceName=service, desiredCount=count)


def make_stack(clients, settings) -> Stack:
    """Create the resources the simulator reads, the way the stacks would."""
    _database(clients, settings)
    _services(clients, settings)
    primary_alb = _alb(clients, settings.primary_region, "streamflix-alb")
    dr_alb = _alb(clients, settings.dr_region, "streamflix-alb-dr")
    r53 = clients.client("route53", "us-east-1")
    zone = r53.create_hosted_zone(Name="streamflix.example.com", CallerReference="t")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    upsert_app_record(clients, zone_id, primary_alb)
    return Stack(zone_id, primary_alb, dr_alb)


def upsert_app_record(clients, zone_id: str, target: str) -> dict:
    """The runbook's DNS step: point the app name at ``target``."""
    return clients.client("route53", "us-east-1").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": APP, "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": target}]}}]},
    )["ChangeInfo"]


@pytest.fixture
def sim_settings():
    return load_settings(overrides={"latency": LATENCY, "seed": 7})


@pytest.fixture
def stack(clients, sim_settings):
    return make_stack(clients, sim_settings)


@pytest.fixture
def simulator(stack, sim_settings, tmp_path):
    sim = RegionSimulator(settings=sim_settings, clock=Clock(scale=600),
                          latency=LatencyModel.from_settings(sim_settings),
                          truth_path=tmp_path / "ground_truth.jsonl", data_dir=tmp_path / "db")
    with sim:
        yield sim
