"""Elastic Load Balancing's documented rules for load balancers, target groups and listeners.

Stock moto creates an Application Load Balancer in one subnet, in two subnets of one zone,
internet-facing in a VPC with no internet gateway, under a 40-character name; it takes a
target group whose health check polls every second with a threshold of 50, and an HTTPS
listener with no certificate. ELB refuses each (sources below; catalogue in
``docs/fidelity.md``), with its own error codes. moto's own checks (target-group names,
timeout below interval) stand; these add what it lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.elbv2.exceptions import (
    ELBClientError,
    InvalidConfigurationRequest,
    ValidationError,
)
from moto.elbv2.models import ELBv2Backend

from infra.embedded.moto_ext._rules import constraint, refuse, rule, wrap_methods

__all__ = ["apply"]

_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference"
_ALB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application"

TWO_ZONES = rule("ELB-ALB-TWO-AZ", "an Application Load Balancer has subnets in at least two "
                 "Availability Zones", f"{_API}/API_CreateLoadBalancer.html")
ONE_PER_ZONE = rule("ELB-ONE-SUBNET-PER-AZ", "a load balancer has at most one subnet per "
                    "Availability Zone", f"{_API}/API_CreateLoadBalancer.html")
GATEWAY = rule("ELB-INTERNET-FACING-IGW", "an internet-facing load balancer's VPC has an "
               "internet gateway", f"{_ALB}/application-load-balancers.html#subnets-load-balancer")
NAME = rule("ELB-LB-NAME", "a load balancer name is 1-32 letters, digits or hyphens, not "
            "starting or ending with a hyphen nor starting with internal-",
            f"{_API}/API_CreateLoadBalancer.html#API_CreateLoadBalancer_RequestParameters")
INTERVAL = rule("ELB-TG-HC-INTERVAL", "a target group's health check interval is 5-300 s",
                f"{_API}/API_CreateTargetGroup.html")
TIMEOUT = rule("ELB-TG-HC-TIMEOUT", "a target group's health check timeout is 2-120 s",
               f"{_API}/API_CreateTargetGroup.html")
THRESHOLDS = rule("ELB-TG-HC-THRESHOLDS", "a target group's healthy and unhealthy thresholds "
                  "are 2-10", f"{_API}/API_CreateTargetGroup.html")
HC_PATH = rule("ELB-TG-HC-PATH", "an HTTP health check path starts with /",
               f"{_ALB}/target-group-health-checks.html")
CERTIFICATE = rule("ELB-HTTPS-CERTIFICATE", "an HTTPS listener names a server certificate",
                   f"{_ALB}/create-https-listener.html")

_LB_NAME = re.compile(r"^(?!-)(?!internal-)[A-Za-z0-9-]{1,32}(?<!-)$")


def _subnets(backend: ELBv2Backend, subnet_ids: list[str],
             mappings: list[dict[str, str]] | None) -> list[Any]:
    ids = list(subnet_ids or []) + [m["SubnetId"] for m in mappings or []]
    found = [backend.ec2_backend.get_subnet(i) for i in ids]
    return [s for s in found if s is not None]


def _has_gateway(backend: ELBv2Backend, vpc_id: str) -> bool:
    return any(getattr(igw.vpc, "id", None) == vpc_id
               for igw in backend.ec2_backend.internet_gateways.values())


def _check_load_balancer(backend: ELBv2Backend, name: str, subnets: list[Any], scheme: str,
                         kind: str) -> None:
    if len(name) > 32:
        refuse(NAME, ValidationError("LoadBalancer name cannot be longer than '32' "
                                     "characters"))  # est. wording
    if not _LB_NAME.match(name):
        refuse(NAME, ValidationError(f"LoadBalancer name '{name}' can only contain characters "
                                     "that are alphanumeric characters or hyphens(-), and "
                                     "must not begin or end with a hyphen"))  # est. wording
    zones = [s.availability_zone for s in subnets]
    if len(zones) != len(set(zones)):
        refuse(ONE_PER_ZONE, InvalidConfigurationRequest(
            "A load balancer cannot be attached to multiple subnets in the same Availability "
            "Zone"))
    if kind == "application" and len(set(zones)) < 2:
        refuse(TWO_ZONES, ValidationError(
            "At least two subnets in two different Availability Zones must be specified"))
    if scheme != "internal" and subnets and not _has_gateway(backend, subnets[0].vpc_id):
        refuse(GATEWAY, ELBClientError("InvalidSubnet",
                                       f"VPC {subnets[0].vpc_id} has no internet gateway"))


def _creating_lb(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_load_balancer(self: ELBv2Backend, name: str, security_groups: list[str],
                             subnet_ids: list[str], *args: Any, **kwargs: Any) -> Any:
        subnets = _subnets(self, subnet_ids, kwargs.get("subnet_mappings"))
        _check_load_balancer(self, name, subnets, kwargs.get("scheme") or "internet-facing",
                             kwargs.get("loadbalancer_type") or "application")
        return inner(self, name, security_groups, subnet_ids, *args, **kwargs)
    return create_load_balancer


_RANGES = ((INTERVAL, "healthcheck_interval_seconds", "healthCheckIntervalSeconds", 5, 300),
           (TIMEOUT, "healthcheck_timeout_seconds", "healthCheckTimeoutSeconds", 2, 120),
           (THRESHOLDS, "healthy_threshold_count", "healthyThresholdCount", 2, 10),
           (THRESHOLDS, "unhealthy_threshold_count", "unhealthyThresholdCount", 2, 10))


def _check_health_check(kwargs: dict[str, Any]) -> None:
    for broken, key, field, low, high in _RANGES:
        value = kwargs.get(key)
        problem = None if value in (None, "") else constraint(value, field, low, high)
        if problem:
            refuse(broken, ValidationError(problem))
    path = kwargs.get("healthcheck_path")
    if path and not str(path).startswith("/"):
        refuse(HC_PATH, ValidationError("Health check path must begin with a '/' character"))


def _creating_tg(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_target_group(self: ELBv2Backend, name: str, **kwargs: Any) -> Any:
        _check_health_check(kwargs)
        return inner(self, name, **kwargs)
    return create_target_group


# moto's create_listener parameters in order (moto 5.2): CloudFormation passes them so.
_LISTENER_ARGS = ("load_balancer_arn", "protocol", "port", "ssl_policy", "certificate")


def _creating_listener(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_listener(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
        named = dict(zip(_LISTENER_ARGS, args, strict=False)) | kwargs
        if named.get("protocol") == "HTTPS" and not named.get("certificate"):
            refuse(CERTIFICATE, ValidationError(
                "A certificate must be specified for HTTPS listeners"))
        return inner(self, *args, **kwargs)
    return create_listener


def apply() -> None:
    """Check ELB's rules before moto creates a load balancer, target group or listener."""
    wrap_methods(ELBv2Backend, create_load_balancer=_creating_lb,
                 create_target_group=_creating_tg, create_listener=_creating_listener)
