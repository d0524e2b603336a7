"""A resource that fails to create rolls its stack back, as CloudFormation does (cfn_rollback)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

__all__: list[str] = []

_REGION = "eu-west-2"
# The subnet's CIDR lies outside its VPC's: EC2 refuses it (InvalidSubnet.Range), after the
# VPC was made and before the log group that waits for the subnet.
_BROKEN = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.0.0/24"}},
    "Logs": {"Type": "AWS::Logs::LogGroup", "DependsOn": "Subnet",
             "Properties": {"LogGroupName": "after-the-subnet"}}},
    "Outputs": {"SubnetId": {"Value": {"Ref": "Subnet"}}}}


def _events(cf, name):
    events = cf.describe_stack_events(StackName=name)["StackEvents"][::-1]  # oldest first
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason"))
            for e in events]


def test_failed_resource_rolls_the_stack_back(aws, clients):
    cf = clients.client("cloudformation", _REGION)
    cf.create_stack(StackName="broken", TemplateBody=json.dumps(_BROKEN))
    stack = cf.describe_stacks(StackName="broken")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == ("The following resource(s) failed to create: "
                                          "[Subnet]. Rollback requested by user.")
    assert "Outputs" not in stack
    events = _events(cf, "broken")
    statuses = [(logical, status) for logical, status, _ in events]
    assert statuses == [
        ("broken", "CREATE_IN_PROGRESS"), ("Vpc", "CREATE_IN_PROGRESS"),
        ("Vpc", "CREATE_COMPLETE"), ("Subnet", "CREATE_IN_PROGRESS"),
        ("Subnet", "CREATE_FAILED"), ("broken", "ROLLBACK_IN_PROGRESS"),
        ("Vpc", "DELETE_IN_PROGRESS"), ("Vpc", "DELETE_COMPLETE"),
        ("broken", "ROLLBACK_COMPLETE")], statuses
    reason = events[4][2]
    assert reason.startswith('Resource handler returned message: "The CIDR'), reason
    assert "(Service: Ec2, Status Code: 400, Request ID: " in reason, reason
    assert reason.endswith(", HandlerErrorCode: InvalidRequest)"), reason
    assert events[5][2] == ("The following resource(s) failed to create: [Subnet]. "
                            "Rollback requested by user.")
    ec2 = clients.client("ec2", _REGION)
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    logs = clients.client("logs", _REGION)
    assert logs.describe_log_groups(logGroupNamePrefix="after")["logGroups"] == []
    cf.delete_stack(StackName="broken")  # a rolled-back stack is deleted as AWS lets you
    with pytest.raises(ClientError, match="does not exist"):
        cf.describe_stacks(StackName="broken")


def test_template_errors_still_fail_create_stack(aws, clients):
    cf = clients.client("cloudformation", _REGION)
    body = {"Parameters": {"Size": {"Type": "String"}},
            "Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}
    with pytest.raises(ClientError) as raised:
        cf.create_stack(StackName="no-param", TemplateBody=json.dumps(body))
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert cf.describe_stacks()["Stacks"] == []
