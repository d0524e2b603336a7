"""Elastic Load Balancing's documented rules (``moto_ext/rules_elbv2.py``), via the real API."""

from __future__ import annotations

import pytest

from tests.integration.rules_table import public_vpc, refused

__all__: list[str] = []

REGION = "eu-west-2"


@pytest.fixture
def vpc(clients):
    """A VPC with an internet gateway and subnets a, b and a second one in a."""
    return public_vpc(clients.client("ec2", REGION), REGION, 7, "aba")


def _lb(clients, subnets, name="sfx-alb-dev", **extra):
    return clients.client("elbv2", REGION).create_load_balancer(
        Name=name, Subnets=subnets, **extra)["LoadBalancers"][0]


def test_the_templates_load_balancer_is_created(aws, clients, vpc):
    assert _lb(clients, vpc[1][:2], Scheme="internet-facing")["State"]["Code"] == "provisioning"


LOAD_BALANCER = {
    "ELB-ALB-TWO-AZ": (lambda s: {"subnets": s[:1]}, "ValidationError",
                       "At least two subnets in two different Availability Zones must be "
                       "specified"),
    "ELB-ONE-SUBNET-PER-AZ": (lambda s: {"subnets": s}, "InvalidConfigurationRequest",
                              "cannot be attached to multiple subnets in the same "
                              "Availability Zone"),
    "ELB-LB-NAME": (lambda s: {"subnets": s[:2], "name": "sfx-alb-dr-" + "x" * 22},
                    "ValidationError", "cannot be longer than '32' characters"),
}


@pytest.mark.parametrize("rule_id", list(LOAD_BALANCER))
def test_create_load_balancer_rule(aws, clients, vpc, rule_id):
    changes, code, message = LOAD_BALANCER[rule_id]
    refused(lambda: _lb(clients, **changes(vpc[1])), code, message)


@pytest.mark.parametrize("name", ["-sfx", "sfx-", "internal-sfx", "sfx_alb"])
def test_load_balancer_name_pattern(aws, clients, vpc, name):  # ELB-LB-NAME
    refused(lambda: _lb(clients, vpc[1][:2], name=name), "ValidationError", "hyphen")


def test_internet_facing_needs_an_internet_gateway(aws, clients, vpc):
    ec2 = clients.client("ec2", REGION)  # ELB-INTERNET-FACING-IGW
    vpc_id, subnets, igw = vpc
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    refused(lambda: _lb(clients, subnets[:2]), "InvalidSubnet",
            f"VPC {vpc_id} has no internet gateway")
    assert _lb(clients, subnets[:2], Scheme="internal")["Scheme"] == "internal"


def _tg(clients, vpc_id, **extra):
    return clients.client("elbv2", REGION).create_target_group(**{
        "Name": "sfx-tg-dev", "Protocol": "HTTP", "Port": 8080, "VpcId": vpc_id,
        "TargetType": "ip", "HealthCheckPath": "/health", **extra})["TargetGroups"][0]


def test_the_templates_target_group_is_created(aws, clients, vpc):
    group = _tg(clients, vpc[0], HealthCheckIntervalSeconds=15, HealthyThresholdCount=2,
                UnhealthyThresholdCount=3)
    assert group["HealthCheckIntervalSeconds"] == 15


TARGET_GROUP = {
    "ELB-TG-HC-INTERVAL": ({"HealthCheckIntervalSeconds": 301},
                           "at 'healthCheckIntervalSeconds' failed to satisfy constraint: "
                           "Member must have value less than or equal to 300"),
    # botocore checks the lower bounds itself; templates reach AWS without it, as here.
    "ELB-TG-HC-TIMEOUT": ({"HealthCheckTimeoutSeconds": 121, "HealthCheckIntervalSeconds": 300},
                          "at 'healthCheckTimeoutSeconds' failed to satisfy constraint: "
                          "Member must have value less than or equal to 120"),
    "ELB-TG-HC-THRESHOLDS": ({"UnhealthyThresholdCount": 11},
                             "at 'unhealthyThresholdCount' failed to satisfy constraint"),
    "ELB-TG-HC-PATH": ({"HealthCheckPath": "health"},
                       "Health check path must begin with a '/' character"),
}


@pytest.mark.parametrize("rule_id", list(TARGET_GROUP))
def test_create_target_group_rule(aws, clients, vpc, rule_id):
    changes, message = TARGET_GROUP[rule_id]
    refused(lambda: _tg(clients, vpc[0], **changes), "ValidationError", message)


def test_https_listener_needs_a_certificate(aws, clients, vpc):
    lb = _lb(clients, vpc[1][:2])["LoadBalancerArn"]  # ELB-HTTPS-CERTIFICATE
    group = _tg(clients, vpc[0])["TargetGroupArn"]
    elbv2 = clients.client("elbv2", REGION)
    action = [{"Type": "forward", "TargetGroupArn": group}]
    refused(lambda: elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443,
                                          DefaultActions=action),
            "ValidationError", "A certificate must be specified for HTTPS listeners")
    elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=action)
