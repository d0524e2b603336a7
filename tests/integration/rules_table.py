"""Helpers for the rule tests: one refused call per rule, checked against AWS's answer.

Each rule test makes the call that breaks exactly one rule of ``docs/fidelity.md`` against
the real moto server over HTTP, and asserts AWS's error code and message; the same call with
the rule kept (the ``healthy`` twin) must go through, so the test fails if the rule is gone
and also if the rule refuses what AWS accepts.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

__all__ = ["public_vpc", "refused"]


def refused(call, code: str, message: str) -> dict:
    """Run ``call()``; it must fail with AWS error ``code`` whose message contains ``message``."""
    with pytest.raises(ClientError) as err:
        call()
    error = err.value.response["Error"]
    assert error["Code"] == code, error
    assert message in error["Message"], error
    return error


def public_vpc(ec2, region: str, octet: int, zones: str) -> tuple[str, list[str], str]:
    """A VPC 10.<octet>.0.0/16 with an attached internet gateway and one subnet per letter of
    ``zones`` (``"aba"``: a, b, then a second one in a): (vpc id, subnet ids, gateway id)."""
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{i}.0/24",
                                 AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate(zones)]
    return vpc, subnets, igw
