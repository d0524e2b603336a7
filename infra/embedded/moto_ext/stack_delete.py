"""``DeleteStack`` that removes what the stack made, dependents first, as AWS does.

Stock moto deletes in template order, swallows failures and forgets the stack anyway: the DR
stack's replica and the primary's VPC fail, and ECS services, target groups, gateways, EIPs,
route tables, the VPC, the hosted zone and the health check are left behind. Here resources
go in reverse dependency order (``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``DependsOn``), with
deleters for the types moto does not remove, and a failure is reported instead of ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.cloudformation.parsing import ResourceMap
from moto.ec2.models import ec2_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.logs.models import logs_backends
from moto.route53.models import route53_backends

from infra.embedded.moto_ext._cfn import set_attr

__all__ = ["apply", "deletion_order"]

Deleter = Callable[[Any, str, str], object]  # what a deleter returns is ignored


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set()
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def deletion_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids ordered so that every resource goes before those it depends on."""
    deps = {}
    for name, spec in resources.items():
        depends = spec.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else list(depends)
        deps[name] = (_refs(spec.get("Properties", {})) | set(depends)) & set(resources)
    created: list[str] = []
    while len(created) < len(deps):
        ready = sorted(n for n, d in deps.items() if n not in created and d <= set(created))
        created += ready or sorted(set(deps) - set(created))  # a cycle: keep going anyway
    return created[::-1]


def _ecs_service(res: Any, account: str, region: str) -> None:
    ecs_backends[account][region].delete_service(res.cluster_name, res.name, force=True)


def _vpc_attachment(res: Any, account: str, region: str) -> None:
    ec2 = ec2_backends[account][region]
    for igw in list(ec2.internet_gateways.values()):
        if igw.vpc is not None and igw.vpc.id == res.vpc_id:
            ec2.detach_internet_gateway(igw.id, res.vpc_id)


def _ec2(method: str, attr: str = "physical_resource_id") -> Deleter:
    def delete(res: Any, account: str, region: str) -> None:
        getattr(ec2_backends[account][region], method)(getattr(res, attr))
    return delete


def _route(res: Any, account: str, region: str) -> None:
    ec2_backends[account][region].delete_route(res.route_table.id, res.destination_cidr_block)


def _association(res: Any, account: str, region: str) -> None:
    table = ec2_backends[account][region].route_tables[res.route_table_id]
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == res.subnet_id:
            del table._associations[association_id]


def _eip(res: Any, account: str, region: str) -> None:
    ec2_backends[account][region].release_address(allocation_id=res.allocation_id)


def _zone(res: Any, account: str, region: str) -> None:
    backend = route53_backends[account]["global"]
    zone = backend.get_hosted_zone(res.physical_resource_id)
    zone.rrsets = [r for r in zone.rrsets if r.type in ("NS", "SOA")]
    backend.delete_hosted_zone(res.physical_resource_id)


def _record(res: Any, account: str, region: str) -> None:
    for zone in route53_backends[account]["global"].zones.values():
        zone.rrsets = [r for r in zone.rrsets
                       if (r.name.rstrip("."), r.type) != (res.name.rstrip("."), res.type)]


def _elbv2(method: str) -> Deleter:
    def delete(res: Any, account: str, region: str) -> None:
        getattr(elbv2_backends[account][region], method)(res.arn)
    return delete


_DELETERS: dict[str, Deleter] = {
    "AWS::ECS::Service": _ecs_service,
    "AWS::ECS::Cluster": lambda res, account, region: ecs_backends[account][
        region].delete_cluster(res.name),
    "AWS::EC2::VPCGatewayAttachment": _vpc_attachment,
    "AWS::EC2::InternetGateway": _ec2("delete_internet_gateway", "id"),
    "AWS::EC2::NatGateway": _ec2("delete_nat_gateway", "id"),
    "AWS::EC2::EIP": _eip,
    "AWS::EC2::Route": _route,
    "AWS::EC2::SubnetRouteTableAssociation": _association,
    "AWS::EC2::RouteTable": _ec2("delete_route_table", "id"),
    "AWS::EC2::SecurityGroup": lambda res, account, region: ec2_backends[account][
        region].delete_security_group(group_id=res.id),
    "AWS::EC2::Subnet": _ec2("delete_subnet", "id"),
    "AWS::EC2::VPC": _ec2("delete_vpc", "id"),
    "AWS::ElasticLoadBalancingV2::Listener": _elbv2("delete_listener"),
    "AWS::ElasticLoadBalancingV2::TargetGroup": _elbv2("delete_target_group"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _elbv2("delete_load_balancer"),
    "AWS::Route53::HostedZone": _zone,
    "AWS::Route53::RecordSet": _record,
    "AWS::Route53::HealthCheck": lambda res, account, region: route53_backends[account][
        "global"].delete_health_check(res.physical_resource_id),
    "AWS::Logs::LogGroup": lambda res, account, region: logs_backends[account][
        region].delete_log_group(res.name),
}


def _delete(self: ResourceMap) -> None:
    errors = []
    for logical_id in deletion_order(self._resource_json_map):
        spec = self._resource_json_map[logical_id]
        resource = self._parsed_resources.get(logical_id)
        if spec.get("DeletionPolicy") == "Retain" or resource is None or isinstance(resource, str):
            continue
        deleter = _DELETERS.get(spec.get("Type", ""))
        try:
            if deleter is not None:
                deleter(resource, self._account_id, self._region_name)
            else:
                self._delete_resource(resource, spec)
        except Exception as exc:
            errors.append(f"{logical_id}: {exc}")
            continue
        self._parsed_resources.pop(logical_id, None)
    if errors:
        raise RuntimeError("DeleteStack left resources behind: " + "; ".join(errors))


def apply() -> None:
    """Delete stacks in reverse dependency order, removing every resource they made."""
    set_attr(ResourceMap, "delete", _delete)
