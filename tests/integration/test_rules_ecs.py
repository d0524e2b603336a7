"""ECS's documented rules (``infra/embedded/moto_ext/rules_ecs.py``), through the real API."""

from __future__ import annotations

import pytest

from tests.integration.rules_table import public_vpc, refused

__all__: list[str] = []

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/exec"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"


def _container(**changes):
    return {"name": "app", "image": "public.ecr.aws/docker/library/python:3.11-slim",
            "essential": True, "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            **changes}


def _task(**changes):
    """A Fargate task definition as the templates register it; ``changes`` break one rule."""
    return {"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
            "cpu": "256", "memory": "512", "executionRoleArn": ROLE,
            "containerDefinitions": [_container()], **changes}


_LOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": REGION,
                                             "awslogs-stream-prefix": "app"}}
_EFS = {"name": "media", "efsVolumeConfiguration": {
    "fileSystemId": "fs-1", "transitEncryption": "DISABLED",
    "authorizationConfig": {"iam": "ENABLED"}}}
_NO_ROLE = {"executionRoleArn": None}

# rule -> (changes to the healthy task definition, error code, message)
REGISTER = {
    "ECS-FARGATE-AWSVPC": ({"networkMode": "bridge"}, "ClientException",
                           "Fargate only supports network mode 'awsvpc'."),
    "ECS-FARGATE-CPU": ({"cpu": None}, "ClientException",
                        "Fargate requires that 'cpu' be defined at the task level."),
    "ECS-FARGATE-MEMORY": ({"memory": None}, "ClientException",
                           "Fargate requires that 'memory' be defined at the task level."),
    "ECS-FARGATE-CPU-VALUE": ({"cpu": "300"}, "ClientException",
                              "Invalid 'cpu' setting for task."),
    "ECS-FARGATE-SIZE": ({"memory": "4096"}, "ClientException",
                         "No Fargate configuration exists for given values: 256 CPU, 4096 "
                         "memory."),
    "ECS-EXEC-ROLE-AWSLOGS": ({**_NO_ROLE, "containerDefinitions": [
        _container(logConfiguration=_LOGS)]}, "ClientException",
        "Fargate requires task definition to have execution role ARN to support log driver "
        "awslogs."),
    "ECS-EXEC-ROLE-ECR": ({**_NO_ROLE, "containerDefinitions": [_container(image=ECR)]},
                          "ClientException", "to have execution role ARN to support ECR images"),
    "ECS-AWSVPC-HOST-PORT": ({"containerDefinitions": [_container(portMappings=[
        {"containerPort": 8080, "hostPort": 80}])]}, "ClientException",
        "the host ports and container ports in port mappings must match"),
    "ECS-EFS-IAM-TRANSIT": ({"volumes": [_EFS]}, "ClientException",
                            "IAM authorization requires transitEncryption to be ENABLED"),
    "ECS-HEALTHCHECK-RANGE": ({"containerDefinitions": [_container(healthCheck={
        "command": ["CMD-SHELL", "true"], "interval": 2})]}, "ClientException",
        "Member must have value greater than or equal to 5"),
}


def _register(ecs, **changes):
    task = {k: v for k, v in _task(**changes).items() if v is not None}
    return ecs.register_task_definition(**task)["taskDefinition"]


def test_the_templates_task_definition_registers(aws, clients):
    ecs = clients.client("ecs", REGION)
    found = _register(ecs, containerDefinitions=[_container(logConfiguration=_LOGS, image=ECR)],
                      volumes=[{**_EFS, "efsVolumeConfiguration": {
                          **_EFS["efsVolumeConfiguration"], "transitEncryption": "ENABLED"}}])
    assert (found["cpu"], found["memory"], found["networkMode"]) == ("256", "512", "awsvpc")


@pytest.mark.parametrize("rule_id", list(REGISTER))
def test_register_task_definition_rule(aws, clients, rule_id):
    changes, code, message = REGISTER[rule_id]
    refused(lambda: _register(clients.client("ecs", REGION), **changes), code, message)


@pytest.mark.parametrize(("cpu", "memory", "ok"), [
    ("256", "2048", True), ("512", "1024", True), ("1 vCPU", "8 GB", True),
    ("4096", "30720", True), ("8192", "20480", True), ("1024", "1024", False),
    ("2048", "16896", False), ("8192", "18432", False)])
def test_fargate_size_table(aws, clients, cpu, memory, ok):  # ECS-FARGATE-SIZE, both ways
    ecs = clients.client("ecs", REGION)
    if ok:
        _register(ecs, cpu=cpu, memory=memory)
    else:
        refused(lambda: _register(ecs, cpu=cpu, memory=memory), "ClientException",
                "No Fargate configuration exists for given values")


@pytest.fixture
def network(clients):
    """A VPC with two subnets, an ALB with an ip target group behind a listener."""
    ec2 = clients.client("ec2", REGION)
    vpc, subnets, _igw = public_vpc(ec2, REGION, 9, "ab")
    elbv2 = clients.client("elbv2", REGION)
    lb = elbv2.create_load_balancer(Name="lb", Subnets=subnets)["LoadBalancers"][0]
    groups = {}
    for kind in ("ip", "instance"):
        groups[kind] = elbv2.create_target_group(
            Name=f"tg-{kind}", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType=kind,
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP",
                              Port=80 if kind == "ip" else 81,
                              DefaultActions=[{"Type": "forward",
                                               "TargetGroupArn": groups[kind]}])
    groups["detached"] = elbv2.create_target_group(
        Name="tg-detached", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip",
    )["TargetGroups"][0]["TargetGroupArn"]
    clients.client("ecs", REGION).create_cluster(clusterName="c")
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)
    return (subnets, [group["GroupId"]]), groups


def _service(ecs, subnets, groups, **changes):
    args = {"cluster": "c", "serviceName": "s", "taskDefinition": "t", "desiredCount": 0,
            "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {
                "subnets": subnets[0], "securityGroups": subnets[1],
                "assignPublicIp": "DISABLED"}},
            "loadBalancers": [{"containerName": "app", "containerPort": 8080,
                               "targetGroupArn": groups["ip"]}], **changes}
    return ecs.create_service(**{k: v for k, v in args.items() if v is not None})


def _lb(groups, kind, port=8080, name="app"):
    return [{"containerName": name, "containerPort": port, "targetGroupArn": groups[kind]}]


SERVICE = {
    "ECS-SVC-NETWORK-CONFIG": (lambda g: {"networkConfiguration": None},
                               "InvalidParameterException",
                               "Network Configuration must be provided when networkMode "
                               "'awsvpc' is specified."),
    "ECS-SVC-LB-CONTAINER": (lambda g: {"loadBalancers": _lb(g, "ip", port=9090)},
                             "InvalidParameterException",
                             "The container app did not have a container port 9090 defined."),
    "ECS-SVC-TG-IP": (lambda g: {"loadBalancers": _lb(g, "instance")},
                      "InvalidParameterException", "has target type instance, which is "
                      "incompatible with the awsvpc network mode"),
    "ECS-SVC-TG-ATTACHED": (lambda g: {"loadBalancers": _lb(g, "detached")},
                            "InvalidParameterException", "does not have an associated load "
                            "balancer."),
}


def test_the_templates_service_is_created(aws, clients, network):
    ecs = clients.client("ecs", REGION)
    _register(ecs)
    service = _service(ecs, *network)["service"]
    assert service["loadBalancers"][0]["containerPort"] == 8080


@pytest.mark.parametrize("rule_id", list(SERVICE))
def test_create_service_rule(aws, clients, network, rule_id):
    changes, code, message = SERVICE[rule_id]
    ecs = clients.client("ecs", REGION)
    _register(ecs)
    refused(lambda: _service(ecs, *network, **changes(network[1])), code, message)


def test_fargate_service_needs_a_fargate_task_definition(aws, clients, network):
    ecs = clients.client("ecs", REGION)  # ECS-SVC-LAUNCH-COMPAT
    ecs.register_task_definition(family="t", networkMode="awsvpc", requiresCompatibilities=[
        "EC2"], containerDefinitions=[_container(memory=512)])
    refused(lambda: _service(ecs, *network), "InvalidParameterException",
            "Task definition does not support launch_type FARGATE.")


def test_inactive_task_definition_is_refused(aws, clients, network):
    ecs = clients.client("ecs", REGION)  # ECS-SVC-TASKDEF-INACTIVE
    arn = _register(ecs)["taskDefinitionArn"]
    _service(ecs, *network)
    ecs.deregister_task_definition(taskDefinition=arn)
    refused(lambda: ecs.update_service(cluster="c", service="s", taskDefinition=arn),
            "ClientException", "TaskDefinition is inactive")
    refused(lambda: _service(ecs, *network, serviceName="s2", taskDefinition=arn),
            "ClientException", "TaskDefinition is inactive")
