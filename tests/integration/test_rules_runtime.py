"""Runtime rules (``infra/embedded/reachability.py``): what stops a task, what cannot be reached.

Each test deploys the project's templates, breaks one thing through the API as an operator
could, and reads what the embedded AWS then says: ECS's ``stoppedReason`` for a new DR task,
or why the region cannot serve. The healthy deployment has neither.
"""

from __future__ import annotations

import json

import pytest

from infra.deploy import deploy
from infra.embedded import reachability, wiring

__all__: list[str] = []


@pytest.fixture
def deployed(clients, settings):
    return deploy(settings, clients)


def _resource(clients, region, stack, logical_id):
    return clients.client("cloudformation", region).describe_stack_resource(
        StackName=stack, LogicalResourceId=logical_id)["StackResourceDetail"]["PhysicalResourceId"]


def _dr_start(settings):
    return reachability.task_start_problems(settings.dr_region, settings.dr_cluster,
                                            settings.dr_service)


def _dr_serving(settings):
    return reachability.serving_problems(settings.dr_region, settings.dr_stack)


def test_the_healthy_stacks_start_tasks_and_serve(deployed, settings):
    for region, stack, cluster, service in (
            (settings.primary_region, settings.primary_stack, settings.primary_cluster,
             settings.primary_service),
            (settings.dr_region, settings.dr_stack, settings.dr_cluster, settings.dr_service)):
        assert reachability.task_start_problems(region, cluster, service) == ()
        assert reachability.serving_problems(region, stack) == ()


def test_no_route_to_the_registry_stops_the_task(deployed, clients, settings):
    ec2 = clients.client("ec2", settings.dr_region)  # ECS-RT-IMAGE-ROUTE
    table = _resource(clients, settings.dr_region, settings.dr_stack, "PrivateRouteTable")
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    [reason] = _dr_start(settings)
    assert reason.startswith("CannotPullContainerError: pull image manifest has been retried")


def test_a_role_that_does_not_trust_ecs_stops_the_task(deployed, clients, settings):
    iam = clients.client("iam", settings.dr_region)  # ECS-RT-ROLE-TRUST
    name = f"streamflix-ecs-exec-{settings.environment_suffix}-{settings.dr_region}"
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    [reason] = _dr_start(settings)
    assert reason.startswith("ECS was unable to assume the role 'arn:aws:iam::123456789012:"
                             f"role/{name}' that was provided for this task.")


def test_a_missing_log_group_stops_the_task(deployed, clients, settings):
    group = _resource(clients, settings.dr_region, settings.dr_stack, "LogGroup")
    clients.client("logs", settings.dr_region).delete_log_group(logGroupName=group)
    [reason] = _dr_start(settings)  # ECS-RT-LOG-GROUP
    assert "ResourceNotFoundException: The specified log group does not exist." in reason


def test_efs_mount_problems_stop_the_task(deployed, clients, settings):
    ec2 = clients.client("ec2", settings.dr_region)  # ECS-RT-EFS-MOUNT
    efs_sg = _resource(clients, settings.dr_region, settings.dr_stack, "EFSSecurityGroup")
    tasks = _resource(clients, settings.dr_region, settings.dr_stack, "TaskSecurityGroup")
    ec2.revoke_security_group_ingress(GroupId=efs_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
        "UserIdGroupPairs": [{"GroupId": tasks}]}])
    [reason] = _dr_start(settings)
    assert "mount.nfs4: Connection timed out" in reason
    target = _resource(clients, settings.dr_region, settings.dr_stack, "MountTarget1")
    clients.client("efs", settings.dr_region).delete_mount_target(MountTargetId=target)
    [reason] = _dr_start(settings)
    assert "failed to invoke EFS utils commands to set up EFS volumes" in reason
    assert f"{deployed.dr.EFSFileSystemId}.efs.{settings.dr_region}.amazonaws.com" in reason


def test_clients_kept_out_by_the_load_balancers_group(deployed, clients, settings):
    ec2 = clients.client("ec2", settings.dr_region)  # NET-ALB-SG-CLIENTS
    group = _resource(clients, settings.dr_region, settings.dr_stack, "ALBSecurityGroup")
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    [problem] = _dr_serving(settings)
    assert "admit no client on port 80" in problem


def test_load_balancer_subnets_without_internet_route(deployed, clients, settings):
    ec2 = clients.client("ec2", settings.dr_region)  # NET-ALB-PUBLIC-SUBNETS
    table = _resource(clients, settings.dr_region, settings.dr_stack, "PublicRouteTable")
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    [problem] = _dr_serving(settings)
    assert "has no route to an internet gateway" in problem


@pytest.mark.parametrize(("logical_id", "port", "what"), [
    ("DBSecurityGroup", 3306, "database"),  # NET-DB-FROM-TASKS
    ("CacheSecurityGroup", 6379, "cache"),  # NET-CACHE-FROM-TASKS
])
def test_tasks_kept_out_of_their_dependencies(deployed, clients, settings, logical_id, port,
                                              what):
    ec2 = clients.client("ec2", settings.dr_region)
    group = _resource(clients, settings.dr_region, settings.dr_stack, logical_id)
    tasks = _resource(clients, settings.dr_region, settings.dr_stack, "TaskSecurityGroup")
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": tasks}]}])
    [problem] = _dr_serving(settings)
    assert f"of the {what}" in problem and f"on port {port}" in problem
    assert wiring.stack_resource_id(settings.dr_region, settings.dr_stack, logical_id) == group
