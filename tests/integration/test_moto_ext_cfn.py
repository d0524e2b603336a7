"""Each CloudFormation extension in infra/embedded/moto_ext, proven through the real API."""

from __future__ import annotations

import json

from infra.deploy import deploy, teardown

__all__: list[str] = []


def _stack(clients, region, name, resources, outputs=None):
    cf = clients.client("cloudformation", region)
    body = {"Resources": resources, "Outputs": outputs or {}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(body))
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_kms_key_with_tags_and_object_policy(aws, clients):  # kms_cfn
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}
    out = _stack(clients, "eu-west-2", "k", {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "KeyPolicy": policy, "EnableKeyRotation": True,
        "Tags": [{"Key": "Name", "Value": "k"}]}}},
        {"Id": {"Value": {"Fn::GetAtt": ["Key", "KeyId"]}}})
    kms = clients.client("kms", "eu-west-2")
    assert kms.describe_key(KeyId=out["Id"])["KeyMetadata"]["Enabled"] is True
    assert kms.list_resource_tags(KeyId=out["Id"])["Tags"] == [{"TagKey": "Name", "TagValue": "k"}]


def test_getazs_uses_the_stack_region(aws, clients):  # cfn_getazs
    out = _stack(clients, "eu-west-2", "z", {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {
        "CidrBlock": "10.0.0.0/16"}}}, {"Az": {"Value": {"Fn::Select": [1, {"Fn::GetAZs": ""}]}}})
    assert out["Az"] == "eu-west-2b"


def test_deployed_stack_resources(clients, settings):  # rds_cfn, elasticache_cfn, efs_cfn
    dep = deploy(settings, clients)
    rds = clients.client("rds", settings.dr_region)
    replica = rds.describe_db_instances(DBInstanceIdentifier=settings.replica_id)["DBInstances"][0]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == dep.primary_rds_arn
    assert replica["DBSubnetGroup"]["DBSubnetGroupName"].startswith("streamflix-dr-db-subnets")
    assert replica["VpcSecurityGroups"], replica["VpcSecurityGroups"]
    rds = clients.client("rds", settings.primary_region)
    primary = rds.describe_db_instances()["DBInstances"][0]
    assert dep.primary.RDSInstanceArn == primary["DBInstanceArn"]
    assert primary["DBSubnetGroup"]["DBSubnetGroupName"] == "streamflix-db-subnets-dev"
    groups = clients.client("elasticache", settings.primary_region).describe_replication_groups()
    group = groups["ReplicationGroups"][0]
    assert (group["AtRestEncryptionEnabled"], group["TransitEncryptionEnabled"]) == (True, True)
    assert ".euw2." in dep.primary.CacheEndpoint
    dr_fs = clients.client("efs", settings.dr_region).describe_file_systems()["FileSystems"][0]
    assert dr_fs["FileSystemProtection"] == {"ReplicationOverwriteProtection": "REPLICATING"}


def test_delete_stack_removes_what_it_made(clients, settings):  # stack_delete
    deploy(settings, clients)
    teardown(settings, clients)
    for region in (settings.primary_region, settings.dr_region):
        ec2 = clients.client("ec2", region)
        vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
        assert vpcs == [], vpcs
        elbv2 = clients.client("elbv2", region)
        assert elbv2.describe_target_groups()["TargetGroups"] == []
    r53 = clients.client("route53", settings.primary_region)
    assert r53.list_hosted_zones()["HostedZones"] == []
    assert r53.list_health_checks()["HealthChecks"] == []
    kms = clients.client("kms", settings.primary_region)
    states = {kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
              for k in kms.list_keys()["Keys"]}
    assert states == {"PendingDeletion"}, states
