"""RDS's documented rules (``infra/embedded/moto_ext/rules_rds.py``), through the real API."""

from __future__ import annotations

import pytest

from tests.integration.rules_table import refused

__all__: list[str] = []

PRIMARY, DR = "eu-west-2", "us-east-1"


def _db(clients, region=PRIMARY, **changes):
    args = {"DBInstanceIdentifier": "db", "Engine": "mysql", "DBInstanceClass": "db.t3.medium",
            "AllocatedStorage": 20, "StorageType": "gp3", "MasterUsername": "admin",
            "MasterUserPassword": "Df1-password", "BackupRetentionPeriod": 7, **changes}
    return clients.client("rds", region).create_db_instance(
        **{k: v for k, v in args.items() if v is not None})["DBInstance"]


def _key(clients, region):
    return clients.client("kms", region).create_key()["KeyMetadata"]["Arn"]


def test_the_templates_database_is_created(aws, clients):
    key = _key(clients, PRIMARY)
    found = _db(clients, StorageEncrypted=True, KmsKeyId=key)
    assert (found["StorageEncrypted"], found["KmsKeyId"]) == (True, key)


CREATE = {
    "RDS-MASTER-USERNAME": ({"MasterUsername": "rdsadmin"}, "InvalidParameterValue",
                            "MasterUsername rdsadmin cannot be used as it is a reserved word"),
    "RDS-MASTER-PASSWORD-LENGTH": ({"MasterUserPassword": "short"}, "InvalidParameterValue",
                                   "is not a valid password because it is shorter than 8 "
                                   "characters."),
    "RDS-MASTER-PASSWORD-CHARS": ({"MasterUserPassword": "has@sign-in-it"},
                                  "InvalidParameterValue", "Only printable ASCII characters "
                                  "besides '/', '@', '\"', ' ' may be used."),
    "RDS-STORAGE-RANGE": ({"AllocatedStorage": 10}, "InvalidParameterValue",
                          "Invalid storage size for engine name mysql and storage type gp3: 10"),
    "RDS-BACKUP-RETENTION-RANGE": ({"BackupRetentionPeriod": 36}, "InvalidParameterValue",
                                   "Invalid backup retention period: 36"),
}


@pytest.mark.parametrize("rule_id", list(CREATE))
def test_create_db_instance_rule(aws, clients, rule_id):
    changes, code, message = CREATE[rule_id]
    refused(lambda: _db(clients, **changes), code, message)


@pytest.mark.parametrize("name", ["1admin", "admin-user", "a" * 17])
def test_master_username_pattern(aws, clients, name):  # RDS-MASTER-USERNAME
    refused(lambda: _db(clients, MasterUsername=name), "InvalidParameterValue",
            "The parameter MasterUsername is not a valid identifier.")


def test_password_longer_than_41_is_refused(aws, clients):  # RDS-MASTER-PASSWORD-LENGTH
    refused(lambda: _db(clients, MasterUserPassword="p" * 42), "InvalidParameterValue",
            "longer than 41 characters")


def test_a_key_without_storage_encryption_is_refused(aws, clients):
    key = _key(clients, PRIMARY)  # RDS-KMS-NEEDS-STORAGE-ENCRYPTED
    refused(lambda: _db(clients, KmsKeyId=key), "InvalidParameterCombination",
            "StorageEncrypted is not set to true")


def test_a_disabled_key_is_refused(aws, clients):
    key = _key(clients, PRIMARY)  # RDS-KMS-KEY-ENABLED
    clients.client("kms", PRIMARY).disable_key(KeyId=key.split("/")[-1])
    refused(lambda: _db(clients, StorageEncrypted=True, KmsKeyId=key),
            "KMSKeyNotAccessibleFault", "does not exist, is not enabled")


def _replica(clients, source_arn, **changes):
    args = {"DBInstanceIdentifier": "replica", "SourceDBInstanceIdentifier": source_arn,
            "DBInstanceClass": "db.t3.medium", "SourceRegion": PRIMARY, **changes}
    return clients.client("rds", DR).create_db_instance_read_replica(**args)["DBInstance"]


def test_the_templates_replica_is_created(aws, clients):
    source = _db(clients, StorageEncrypted=True, KmsKeyId=_key(clients, PRIMARY))
    replica = _replica(clients, source["DBInstanceArn"], KmsKeyId=_key(clients, DR))
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == source["DBInstanceArn"]


def test_replica_of_a_source_without_backups_is_refused(aws, clients):
    source = _db(clients, BackupRetentionPeriod=0)  # RDS-REPLICA-BACKUPS
    refused(lambda: _replica(clients, source["DBInstanceArn"]), "InvalidDBInstanceState",
            "Automated backups are not enabled for this database instance.")


def test_encrypted_cross_region_replica_needs_a_key_there(aws, clients):
    source = _db(clients, StorageEncrypted=True, KmsKeyId=_key(clients, PRIMARY))
    refused(lambda: _replica(clients, source["DBInstanceArn"]),  # RDS-REPLICA-KMS-CROSS-REGION
            "InvalidParameterCombination", "requires a KmsKeyId in the destination region")


def test_replica_with_a_disabled_key_is_refused(aws, clients):
    source = _db(clients, StorageEncrypted=True, KmsKeyId=_key(clients, PRIMARY))
    key = _key(clients, DR)  # RDS-KMS-KEY-ENABLED, on the replica
    clients.client("kms", DR).schedule_key_deletion(KeyId=key.split("/")[-1],
                                                    PendingWindowInDays=7)
    refused(lambda: _replica(clients, source["DBInstanceArn"], KmsKeyId=key),
            "KMSKeyNotAccessibleFault", key)


def test_subnet_group_in_one_zone_is_refused(aws, clients):
    ec2 = clients.client("ec2", PRIMARY)  # RDS-SUBNET-GROUP-AZ
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.5.{i}.0/24",
                                 AvailabilityZone=f"{PRIMARY}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("aab")]
    rds = clients.client("rds", PRIMARY)
    refused(lambda: rds.create_db_subnet_group(DBSubnetGroupName="one", SubnetIds=subnets[:2],
                                               DBSubnetGroupDescription="one zone"),
            "DBSubnetGroupDoesNotCoverEnoughAZs", "Current AZ coverage: eu-west-2a.")
    rds.create_db_subnet_group(DBSubnetGroupName="two", SubnetIds=subnets[1:],
                               DBSubnetGroupDescription="two zones")


def test_delete_without_a_final_snapshot_name_is_refused(aws, clients):
    _db(clients)  # RDS-FINAL-SNAPSHOT
    rds = clients.client("rds", PRIMARY)
    refused(lambda: rds.delete_db_instance(DBInstanceIdentifier="db", SkipFinalSnapshot=False),
            "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless "
            "SkipFinalSnapshot is specified.")
    rds.delete_db_instance(DBInstanceIdentifier="db", SkipFinalSnapshot=False,
                           FinalDBSnapshotIdentifier="db-final")
