"""Read-only views of moto's in-process backends: the embedded AWS's actual state.

The simulator runs in the moto server's process, so it reads resources straight from the
backends instead of through the API: no credentials, no request to count, no region-loss
handler in the way (a lost region's *data plane* is the simulator's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.backends import get_backend

__all__ = [
    "ACCOUNT",
    "DnsRecord",
    "alb_regions",
    "backend",
    "cache_problems",
    "database_problems",
    "find_record",
    "service_problems",
    "service_zones",
    "zone_ids",
    "zone_records",
]

ACCOUNT = "123456789012"  # moto's default account, the one boto3 test credentials map to


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """A CNAME (or alias A record) as Route 53 holds it now; names without trailing dot."""

    zone_id: str
    name: str
    value: str
    ttl: float


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


def _backend(service: str, region: str) -> Any:
    return get_backend(service)[ACCOUNT][region]  # type: ignore[call-overload]


def backend(service: str, region: str) -> Any:
    """moto's backend of ``service`` in ``region`` (for the simulator's faults, which change it)."""
    return _backend(service, region)


def service_zones(region: str, cluster: str, service: str) -> tuple[str, ...]:
    """The zones the service's tasks spread over: its awsvpc subnets' zones, else its ALB's.

    moto drops a CloudFormation service's NetworkConfiguration; the stack's ALB spans the
    same zones as the service's private subnets, so its zones stand in for them.
    """
    ec2 = _backend("ec2", region)
    found = _backend("ecs", region).services.get(f"{cluster}:{service}")
    config = (getattr(found, "network_configuration", None) or {}).get("awsvpcConfiguration")
    if config and config.get("subnets"):
        subnets = ec2.describe_subnets(subnet_ids=list(config["subnets"]))
        return tuple(sorted({s.availability_zone for s in subnets}))
    zones = {s.availability_zone for lb in _backend("elbv2", region).load_balancers.values()
             for s in lb.subnets}
    return tuple(sorted(zones))


def service_problems(region: str, cluster: str, service: str) -> tuple[str, ...]:
    """Why the region's ECS service has no task to serve, if it has none."""
    found = _backend("ecs", region).services.get(f"{cluster}:{service}")
    if found is None or found.status != "ACTIVE":
        return (f"ECS service {service!r} not found in {region}",)
    if found.running_count <= 0:
        return (f"ECS service {service!r} has no running tasks",)
    return ()


def database_problems(region: str, identifier: str) -> tuple[str, ...]:
    """Why the database cannot take writes, if it cannot."""
    database = _backend("rds", region).databases.get(identifier)
    if database is None:
        return (f"database {identifier!r} not found in {region}",)
    if database.is_replica:
        return (f"database {identifier!r} is read-only (read replica)",)
    if database.status != "available":
        return (f"database {identifier!r} is {database.status}",)
    return ()


def cache_problems(region: str) -> tuple[str, ...]:
    """Why the region's cache does not answer; no replication group means no cache to ask."""
    groups = _backend("elasticache", region).replication_groups.values()
    down = tuple(
        f"cache {g.replication_group_id!r} is {g.status}"
        for g in groups
        if g.status != "available"
    )
    # A node group without a primary taking writes (a failover in progress) fails too.
    failing = tuple(
        f"cache {g.replication_group_id!r} node group {n['node_group_id']} is {n['status']}"
        for g in groups if g.status == "available"
        for n in g.node_groups if n.get("status", "available") != "available"
    )
    return down + failing


def alb_regions(regions: tuple[str, ...]) -> dict[str, str]:
    """Every load balancer DNS name in ``regions`` mapped to its region."""
    return {
        _norm(lb.dns_name): region
        for region in regions
        for lb in _backend("elbv2", region).load_balancers.values()
    }


def zone_records(zone_id: str) -> tuple[DnsRecord, ...]:
    """The CNAME and alias records of one hosted zone."""
    zone = _backend("route53", "aws").zones.get(zone_id.replace("/hostedzone/", ""))
    if zone is None:
        return ()
    found = []
    for rrset in zone.rrsets:
        if rrset.type == "CNAME" and rrset.records:
            value, ttl = rrset.records[0], float(rrset.ttl or 300)
        elif rrset.alias_target:
            # An alias to an ELB answers with a 60 s TTL (latency-model.md: R53 failover row).
            value, ttl = rrset.alias_target.get("DNSName", ""), 60.0
        else:
            continue
        found.append(DnsRecord(zone.resource_id, _norm(rrset.name), _norm(value), ttl))
    return tuple(found)


def find_record(hostname: str) -> DnsRecord | None:
    """The record for ``hostname`` in the most specific hosted zone that holds it."""
    name = _norm(hostname)
    zones = sorted(
        _backend("route53", "aws").zones.values(), key=lambda z: len(z.name), reverse=True
    )
    for zone in zones:
        zone_name = _norm(zone.name)
        if name == zone_name or name.endswith("." + zone_name):
            for record in zone_records(zone.resource_id):
                if record.name == name:
                    return record
    return None


def zone_ids() -> tuple[str, ...]:
    """Every hosted zone id."""
    return tuple(_backend("route53", "aws").zones)
