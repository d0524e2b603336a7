"""Route 53, KMS and EFS rules (``moto_ext/rules_route53.py``, ``rules_kms.py``,
``rules_efs.py``), through the real API."""

from __future__ import annotations

import pytest

from tests.integration.rules_table import refused

__all__: list[str] = []

ZONE = "dev.streamflix-dr.example.com"
APP = f"app.{ZONE}"


@pytest.fixture
def zone(clients):
    r53 = clients.client("route53", "us-east-1")
    found = r53.create_hosted_zone(Name=ZONE, CallerReference="z")["HostedZone"]["Id"]
    return r53, found.split("/")[-1]


def _change(r53, zone_id, name, kind, value, ttl=60, action="UPSERT"):
    return r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": action, "ResourceRecordSet": {"Name": name, "Type": kind, "TTL": ttl,
                                                "ResourceRecords": [{"Value": value}]}}]})


def test_the_templates_record_is_accepted(aws, clients, zone):
    _change(*zone, APP, "CNAME", "sfx-alb-dev-1.eu-west-2.elb.amazonaws.com")
    _change(*zone, APP, "CNAME", "sfx-alb-dr-dev-1.us-east-1.elb.amazonaws.com")  # failover


def test_ttl_above_its_range_is_refused(aws, clients, zone):  # R53-TTL-RANGE
    refused(lambda: _change(*zone, APP, "CNAME", "x.example.com", ttl=2147483648),
            "InvalidInput", "Member must have value less than or equal to 2147483647")


def test_cname_at_the_apex_is_refused(aws, clients, zone):  # R53-CNAME-APEX
    refused(lambda: _change(*zone, ZONE, "CNAME", "x.example.com"), "InvalidChangeBatch",
            f"RRSet of type CNAME with DNS name {ZONE}. is not permitted at apex")


def test_cname_beside_another_record_is_refused(aws, clients, zone):  # R53-CNAME-EXCLUSIVE
    _change(*zone, APP, "A", "192.0.2.1")
    refused(lambda: _change(*zone, APP, "CNAME", "x.example.com"), "InvalidChangeBatch",
            "conflicts with other records with the same DNS name")
    _change(*zone, f"www.{ZONE}", "CNAME", "x.example.com")
    refused(lambda: _change(*zone, f"www.{ZONE}", "TXT", '"hello"'), "InvalidChangeBatch",
            "RRSet of type TXT")


def _check(r53, **config):
    base = {"Type": "HTTP", "FullyQualifiedDomainName": "lb.example.com", "Port": 80,
            "ResourcePath": "/health", "RequestInterval": 10, "FailureThreshold": 3}
    return r53.create_health_check(CallerReference="hc", HealthCheckConfig={
        k: v for k, v in {**base, **config}.items() if v is not None})["HealthCheck"]


HEALTH_CHECK = {
    "R53-HC-INTERVAL": ({"RequestInterval": 15}, "Valid values are 10 and 30."),
    "R53-HC-FAILURE-THRESHOLD": ({"FailureThreshold": 11},
                                 "at 'healthCheckConfig.failureThreshold' failed to satisfy "
                                 "constraint: Member must have value less than or equal to 10"),
    "R53-HC-PORT": ({"Port": 65536}, "Member must have value less than or equal to 65535"),
    "R53-HC-TARGET": ({"FullyQualifiedDomainName": None},
                      "must specify an IPAddress or a FullyQualifiedDomainName"),
}


def test_the_templates_health_check_is_accepted(aws, clients):
    r53 = clients.client("route53", "us-east-1")
    check = _check(r53)
    r53.update_health_check(HealthCheckId=check["Id"], FailureThreshold=1)  # the runbook's


@pytest.mark.parametrize("rule_id", list(HEALTH_CHECK))
def test_health_check_rule(aws, clients, rule_id):
    changes, message = HEALTH_CHECK[rule_id]
    refused(lambda: _check(clients.client("route53", "us-east-1"), **changes), "InvalidInput",
            message)


def test_update_health_check_keeps_the_threshold_range(aws, clients):
    r53 = clients.client("route53", "us-east-1")  # R53-HC-FAILURE-THRESHOLD, on update
    check = _check(r53)
    refused(lambda: r53.update_health_check(HealthCheckId=check["Id"], FailureThreshold=11),
            "InvalidInput", "failureThreshold")


@pytest.fixture
def kms(clients):
    client = clients.client("kms", "us-east-1")
    return client, client.create_key()["KeyMetadata"]


def test_an_enabled_key_encrypts(aws, kms):
    client, key = kms
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_a_disabled_key_cannot_be_used(aws, kms):  # KMS-DISABLED-KEY
    client, key = kms
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    client.disable_key(KeyId=key["KeyId"])
    for call in (lambda: client.encrypt(KeyId=key["KeyId"], Plaintext=b"x"),
                 lambda: client.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256"),
                 lambda: client.decrypt(CiphertextBlob=blob)):
        refused(call, "DisabledException", f"{key['Arn']} is disabled.")


def test_a_key_pending_deletion_cannot_be_used(aws, kms):  # KMS-PENDING-DELETION
    client, key = kms
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    refused(lambda: client.encrypt(KeyId=key["KeyId"], Plaintext=b"x"),
            "KMSInvalidStateException", "is pending deletion.")
    refused(lambda: client.enable_key(KeyId=key["KeyId"]), "KMSInvalidStateException",
            "is pending deletion.")


def test_deletion_window_out_of_range_is_refused(aws, kms):  # KMS-PENDING-WINDOW
    client, key = kms
    refused(lambda: client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=31),
            "ValidationException", "Member must have value less than or equal to 30")


def _fs(clients, region, token, **extra):
    return clients.client("efs", region).create_file_system(
        CreationToken=token, **extra)["FileSystemId"]


def _replicate(clients, source, dest, region="us-east-1"):
    return clients.client("efs", "eu-west-2").create_replication_configuration(
        SourceFileSystemId=source, Destinations=[{"Region": region, "FileSystemId": dest}])


def test_encrypted_source_needs_an_encrypted_destination(aws, clients):  # EFS-REPL-ENCRYPTION
    source = _fs(clients, "eu-west-2", "a", Encrypted=True)
    refused(lambda: _replicate(clients, source, _fs(clients, "us-east-1", "b")),
            "ConflictException", "is encrypted but destination file system")
    _replicate(clients, source, _fs(clients, "us-east-1", "c", Encrypted=True))


def test_a_file_system_is_not_its_own_destination(aws, clients):  # EFS-REPL-SELF
    source = _fs(clients, "eu-west-2", "a")
    refused(lambda: _replicate(clients, source, source, region="eu-west-2"),
            "ValidationException", "cannot be the source file system")


def test_a_destination_serves_one_configuration(aws, clients):  # EFS-REPL-DEST-IN-USE
    dest = _fs(clients, "us-east-1", "d")
    _replicate(clients, _fs(clients, "eu-west-2", "a"), dest)
    refused(lambda: _replicate(clients, _fs(clients, "eu-west-2", "b"), dest),
            "ValidationException", "is already part of a replication configuration")


def test_mount_target_group_from_another_vpc_is_refused(aws, clients):  # EFS-MT-SG-VPC
    ec2 = clients.client("ec2", "eu-west-2")
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in (3, 4)]
    subnet = ec2.create_subnet(VpcId=vpcs[0], CidrBlock="10.3.0.0/24")["Subnet"]["SubnetId"]
    groups = [ec2.create_security_group(GroupName=f"g{i}", Description="g", VpcId=v)["GroupId"]
              for i, v in enumerate(vpcs)]
    efs = clients.client("efs", "eu-west-2")
    fs = _fs(clients, "eu-west-2", "m")
    refused(lambda: efs.create_mount_target(FileSystemId=fs, SubnetId=subnet,
                                            SecurityGroups=[groups[1]]),
            "SecurityGroupMismatch", f"does not belong to the VPC {vpcs[0]}")
    efs.create_mount_target(FileSystemId=fs, SubnetId=subnet, SecurityGroups=[groups[0]])
