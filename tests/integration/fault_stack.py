"""The simulator's stack with what the fault catalogue acts on, and a snapshot of its state.

:func:`make_fault_stack` adds to ``simulator_stack.make_stack`` what the primary template
has and the faults need: a Multi-AZ database and a two-node Multi-AZ cache spread over the
region's zones. :func:`snapshot` reads back, through the AWS API and the simulator, every
piece of state a fault may touch, so a test can compare before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.faults import FaultContext
from drills.measure.readback import read_markers
from drills.settings.config import load_settings
from infra.aws import ClientFactory
from infra.core.clock import Clock
from infra.embedded.latency import LatencyModel
from infra.embedded.simulator import RegionSimulator
from tests.integration.simulator_stack import LATENCY, make_stack

__all__ = ["FAULT_LATENCY", "Snapshot", "eventually", "fault_context", "make_fault_stack",
           "primary_cache", "primary_database", "replicates", "snapshot"]

# Pinned durations (drill seconds), long enough that a one-shot fault is still in effect when
# a test reads the state back at 600x (half a real second), short enough to wait out.
FAULT_LATENCY = {**LATENCY, "rds_multi_az_failover": 300.0, "elasticache_failover": 300.0,
                 "fargate_start": 240.0, "alb_target_healthy": 60.0}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a fault may change, read back (zones of the database and cache kept apart)."""

    database: tuple[str, bool, bool]  # status, MultiAZ, read replica
    cache: tuple[str, tuple[str, ...], tuple[str, ...]]  # status, node groups, roles
    services: tuple[tuple[int, int], ...]  # (desired, running), primary then DR
    app_record: tuple[str, int]
    lost_zones: frozenset[str]
    replication_holds: frozenset[str]
    replica_lag_stopped: bool
    dns_slowdown: float
    dns_refusals_left: int
    primary_health: int
    placement: tuple[str, str] = ("", "")  # database zone, cache primary zone: not compared

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return _compared(self) == _compared(other)

    def __hash__(self) -> int:
        return hash(_compared(self))


def _compared(s: Snapshot) -> tuple[object, ...]:
    return (s.database, s.cache, s.services, s.app_record, s.lost_zones, s.replication_holds,
            s.replica_lag_stopped, s.dns_slowdown, s.dns_refusals_left, s.primary_health)


def eventually(check, *, within: float = 10.0):
    """``check()``'s first truthy result, polled every 50 ms until ``within`` real seconds."""
    retrying = Retrying(stop=stop_after_delay(within), wait=wait_fixed(0.05),
                        retry=retry_if_result(lambda r: not r))
    return retrying(check)


def make_fault_stack(clients, settings):
    """The simulator stack plus a Multi-AZ primary database and a Multi-AZ cache."""
    stack = make_stack(clients, settings)
    region = settings.primary_region
    clients.client("rds", region).modify_db_instance(
        DBInstanceIdentifier=f"streamflix-db-{settings.environment_suffix}", MultiAZ=True,
        ApplyImmediately=True)
    ec2 = clients.client("ec2", region)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]
               if s["CidrBlock"].startswith("10.0.")]
    cache = clients.client("elasticache", region)
    cache.create_cache_subnet_group(CacheSubnetGroupName="streamflix-cache-subnets",
                                    CacheSubnetGroupDescription="cache", SubnetIds=subnets)
    cache.create_replication_group(
        ReplicationGroupId=f"streamflix-cache-{settings.environment_suffix}",
        ReplicationGroupDescription="cache", Engine="redis", CacheNodeType="cache.t3.micro",
        NumCacheClusters=2, AutomaticFailoverEnabled=True, MultiAZEnabled=True,
        CacheSubnetGroupName="streamflix-cache-subnets")
    return stack


def fault_context(clients, sim, settings) -> FaultContext:
    """The context a drill gives its faults, on this simulator."""
    return FaultContext(clients, sim, settings.primary_region, settings.dr_region,
                        settings=settings)


def primary_database(clients, settings):
    """The primary database instance, as RDS describes it."""
    return clients.client("rds", settings.primary_region).describe_db_instances(
        DBInstanceIdentifier=f"streamflix-db-{settings.environment_suffix}")["DBInstances"][0]


def primary_cache(clients, settings):
    """The primary cache's replication group, as ElastiCache describes it."""
    return clients.client("elasticache", settings.primary_region).describe_replication_groups(
        ReplicationGroupId=f"streamflix-cache-{settings.environment_suffix}",
    )["ReplicationGroups"][0]


def _services(clients, settings):
    found = []
    for region, cluster, service in (
            (settings.primary_region, settings.primary_cluster, settings.primary_service),
            (settings.dr_region, settings.dr_cluster, settings.dr_service)):
        x = clients.client("ecs", region).describe_services(
            cluster=cluster, services=[service])["services"][0]
        found.append((x["desiredCount"], x["runningCount"]))
    return tuple(found)


def _app_record(clients, zone_id):
    records = clients.client("route53", "us-east-1").list_resource_record_sets(
        HostedZoneId=zone_id)["ResourceRecordSets"]
    app = next(r for r in records if r["Type"] == "CNAME")
    return app["ResourceRecords"][0]["Value"], int(app["TTL"])


def snapshot(clients, sim, settings, stack) -> Snapshot:
    """Every piece of state a fault may change, read back now."""
    db, cache = primary_database(clients, settings), primary_cache(clients, settings)
    group = cache["NodeGroups"][0]
    primary = next(m for m in group["NodeGroupMembers"] if m["CurrentRole"] == "primary")
    plane = sim.fault_plane
    health = requests.get(f"{sim.url(settings.primary_region)}/health", timeout=5).status_code
    return Snapshot(
        database=(db["DBInstanceStatus"], db["MultiAZ"],
                  bool(db.get("ReadReplicaSourceDBInstanceIdentifier"))),
        cache=(cache["Status"], tuple(g["Status"] for g in cache["NodeGroups"]),
               tuple(sorted(m["CurrentRole"] for m in group["NodeGroupMembers"]))),
        services=_services(clients, settings),
        app_record=_app_record(clients, stack.zone_id),
        lost_zones=plane.lost_zones(settings.primary_region),
        replication_holds=plane.replication_holds(),
        replica_lag_stopped=sim.replica_lag_seconds() == -1,
        dns_slowdown=plane.dns_slowdown(), dns_refusals_left=plane.dns_refusals_left(),
        primary_health=health,
        placement=(db["AvailabilityZone"], primary["PreferredAvailabilityZone"]))


def replicates(sim, settings, seq: int) -> bool:
    """Write marker ``seq`` through the primary's canary; True once DR holds it."""
    resp = requests.post(f"{sim.url(settings.primary_region)}/markers",
                         json={"seq": seq, "written_at": sim.clock.now()}, timeout=5)
    assert resp.status_code == 201, resp.text
    dr = sim.url(settings.dr_region)
    return bool(eventually(lambda: seq in read_markers(dr, timeout=5, region=settings.dr_region)))


@pytest.fixture(scope="module")
def shared_clients(moto_server):
    """One client factory for the module: botocore loads each service's model once."""
    return ClientFactory(endpoint_url=moto_server.endpoint_url)


@pytest.fixture
def clients(aws, shared_clients):
    """The module's client factory, on the (freshly reset) moto server."""
    return shared_clients


@pytest.fixture
def fault_settings():
    return load_settings(overrides={"latency": FAULT_LATENCY, "seed": 7, "poll_interval_s": 30.0})


@pytest.fixture
def fault_stack(clients, fault_settings):
    return make_fault_stack(clients, fault_settings)


@pytest.fixture
def fault_sim(fault_stack, fault_settings, tmp_path):
    with _simulator(fault_settings, tmp_path) as sim:
        yield sim


@pytest.fixture(scope="module")
def shared_stack(moto_server, shared_clients, tmp_path_factory):
    """One stack and simulator for a module whose tests each leave no trace (checked)."""
    settings = load_settings(overrides={"latency": FAULT_LATENCY, "seed": 7,
                                        "poll_interval_s": 30.0})
    moto_server.reset()
    stack = make_fault_stack(shared_clients, settings)
    with _simulator(settings, tmp_path_factory.mktemp("sim")) as sim:
        yield stack, sim, settings


def _simulator(settings, folder):
    return RegionSimulator(settings=settings, clock=Clock(scale=600),
                           latency=LatencyModel.from_settings(settings),
                           truth_path=folder / "ground_truth.jsonl", data_dir=folder / "db")
