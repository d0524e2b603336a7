"""RDS's documented rules for the stack's MySQL instance, its subnet group and its replica.

Stock moto makes a cross-region read replica of a source with automated backups off, an
encrypted cross-region replica with no key of its region, an instance encrypted with a
disabled key, a master user named ``rdsadmin`` with a 4-character password, 10 GiB of gp3,
a subnet group in one zone; RDS refuses each (sources below, catalogue in
``docs/fidelity.md``) with its own error codes. CloudFormation reaches the same backend
methods (``rds_cfn``), so a template breaking a rule fails its stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.rds.exceptions import (
    InvalidParameterCombination,
    InvalidParameterValue,
    KMSKeyNotAccessibleFault,
    RDSClientError,
)
from moto.rds.models import DBInstance, RDSBackend
from moto.rds.responses import RDSResponse

from infra.embedded import wiring
from infra.embedded.moto_ext._rules import refuse, rule, wrap_methods

__all__ = ["apply"]

_UG = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide"
_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference"

BACKUPS = rule("RDS-REPLICA-BACKUPS", "a read replica's source has automated backups on "
               "(retention > 0)", f"{_UG}/USER_ReadRepl.Create.html")
CROSS_REGION_KEY = rule("RDS-REPLICA-KMS-CROSS-REGION", "an encrypted cross-region read "
                        "replica names a KMS key of its own region",
                        f"{_API}/API_CreateDBInstanceReadReplica.html")
KEY_ENABLED = rule("RDS-KMS-KEY-ENABLED", "an encrypted instance's KMS key is enabled",
                   f"{_UG}/Overview.Encryption.Keys.html")
KEY_NEEDS_ENCRYPTION = rule("RDS-KMS-NEEDS-STORAGE-ENCRYPTED", "a KmsKeyId is given only with "
                            "StorageEncrypted true", "https://docs.aws.amazon.com/"
                            "AWSCloudFormation/latest/UserGuide/"
                            "aws-properties-rds-database-instance.html")
USERNAME = rule("RDS-MASTER-USERNAME", "a MySQL master user name is 1-16 letters, digits or "
                "underscores, starts with a letter and is not reserved",
                f"{_API}/API_CreateDBInstance.html")
PASSWORD_LENGTH = rule("RDS-MASTER-PASSWORD-LENGTH", "a MySQL master password is 8-41 "
                       "characters", f"{_API}/API_CreateDBInstance.html")
PASSWORD_CHARS = rule("RDS-MASTER-PASSWORD-CHARS", "a master password is printable ASCII "
                      "without / \" @ or space", f"{_API}/API_CreateDBInstance.html")
STORAGE = rule("RDS-STORAGE-RANGE", "MySQL gp2/gp3 storage is 20-65536 GiB (io1 100-65536, "
               "standard 5-3072)", f"{_UG}/CHAP_Storage.html")
RETENTION = rule("RDS-BACKUP-RETENTION-RANGE", "the backup retention period is 0-35 days",
                 f"{_API}/API_CreateDBInstance.html")
SUBNET_ZONES = rule("RDS-SUBNET-GROUP-AZ", "a DB subnet group covers at least two "
                    "Availability Zones", f"{_UG}/USER_VPC.WorkingWithRDSInstanceinaVPC.html")
FINAL_SNAPSHOT = rule("RDS-FINAL-SNAPSHOT", "DeleteDBInstance without SkipFinalSnapshot "
                      "names a FinalDBSnapshotIdentifier", f"{_API}/API_DeleteDBInstance.html")

# RDS for MySQL's reserved master user names (est.: the words the RDS console refuses).
_RESERVED = frozenset({"rdsadmin", "rdsrepladmin", "mysql.sys", "mysql.session",
                       "mysql.infoschema", "root"})
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_STORAGE = {"gp2": (20, 65536), "gp3": (20, 65536), "io1": (100, 65536),
            "io2": (100, 65536), "standard": (5, 3072)}


def _check_credentials(kwargs: dict[str, Any]) -> None:
    username, password = kwargs.get("master_username"), kwargs.get("master_user_password")
    if username is not None and str(username).lower() in _RESERVED:
        refuse(USERNAME, InvalidParameterValue(
            f"MasterUsername {username} cannot be used as it is a reserved word used by the "
            "engine"))
    if username is not None and not _USERNAME.match(str(username)):
        refuse(USERNAME, InvalidParameterValue(
            "The parameter MasterUsername is not a valid identifier. Identifiers must begin "
            "with a letter; must contain only ASCII letters, digits, and underscores; and "
            "must be 1 to 16 characters long."))  # est. wording of the length clause
    if password is None:
        return
    if len(str(password)) < 8:
        refuse(PASSWORD_LENGTH, InvalidParameterValue(
            "The parameter MasterUserPassword is not a valid password because it is shorter "
            "than 8 characters."))
    if len(str(password)) > 41:
        refuse(PASSWORD_LENGTH, InvalidParameterValue(
            "The parameter MasterUserPassword is not a valid password because it is longer "
            "than 41 characters."))
    if any(c in '/@" ' or not (32 < ord(c) < 127) for c in str(password)):
        refuse(PASSWORD_CHARS, InvalidParameterValue(
            "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
            "characters besides '/', '@', '\"', ' ' may be used."))


def _check_storage(kwargs: dict[str, Any]) -> None:
    size, kind = kwargs.get("allocated_storage"), kwargs.get("storage_type") or "gp2"
    engine = kwargs.get("engine") or "mysql"
    low, high = _STORAGE.get(str(kind), (20, 65536))
    if size is not None and not low <= int(size) <= high:
        refuse(STORAGE, InvalidParameterValue(
            f"Invalid storage size for engine name {engine} and storage type {kind}: {size}"))
    retention = kwargs.get("backup_retention_period")
    if retention is not None and not 0 <= int(retention) <= 35:
        refuse(RETENTION, InvalidParameterValue(
            f"Invalid backup retention period: {retention}. The value must be between 0 and "
            "35."))  # est. wording


def _check_key(backend: RDSBackend, key: str | None) -> None:
    state = wiring.key_state(backend.region_name, key)
    if state not in (None, "Enabled"):
        refuse(KEY_ENABLED, KMSKeyNotAccessibleFault(str(key)))


def _creating(inner: Callable[..., DBInstance]) -> Callable[..., DBInstance]:
    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        _check_credentials(db_kwargs)
        _check_storage(db_kwargs)
        encrypted = str(db_kwargs.get("storage_encrypted")).lower() == "true"
        if db_kwargs.get("kms_key_id") and not encrypted:
            refuse(KEY_NEEDS_ENCRYPTION, InvalidParameterCombination(
                "Encryption key specified but StorageEncrypted is not set to true"))  # est.
        _check_key(self, db_kwargs.get("kms_key_id"))
        return inner(self, db_kwargs)
    return create_db_instance


def _source_region(source: str, region: str) -> str:
    parts = source.split(":")
    return parts[3] if source.startswith("arn:") and len(parts) > 3 else region


def _creating_replica(inner: Callable[..., DBInstance]) -> Callable[..., DBInstance]:
    def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]
                                        ) -> DBInstance:
        source_id = str(db_kwargs.get("source_db_instance_identifier") or "")
        source = self.find_db_from_id(source_id)
        if not int(source.backup_retention_period or 0):
            refuse(BACKUPS, RDSClientError(
                "InvalidDBInstanceState", "Automated backups are not enabled for this database "
                "instance. To enable automated backups, use ModifyDBInstance to set the backup "
                "retention period to a non-zero value."))
        cross_region = _source_region(source_id, self.region_name) != self.region_name
        if cross_region and source.storage_encrypted and not db_kwargs.get("kms_key_id"):
            refuse(CROSS_REGION_KEY, InvalidParameterCombination(
                "Cross region replica of an encrypted source requires a KmsKeyId in the "
                "destination region"))  # est. wording
        _check_key(self, db_kwargs.get("kms_key_id"))
        return inner(self, db_kwargs)
    return create_db_instance_read_replica


def _creating_subnet_group(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_subnet_group(self: RDSBackend, subnet_name: str, description: str,
                            subnets: list[Any], *args: Any, **kwargs: Any) -> Any:
        zones = sorted({s.availability_zone for s in subnets if s is not None})
        if len(zones) < 2:
            refuse(SUBNET_ZONES, RDSClientError(
                "DBSubnetGroupDoesNotCoverEnoughAZs", "The DB subnet group doesn't meet "
                "Availability Zone (AZ) coverage requirement. Please add subnets to cover at "
                f"least 2 AZs. Current AZ coverage: {', '.join(zones)}."))
        return inner(self, subnet_name, description, subnets, *args, **kwargs)
    return create_subnet_group


def _deleting(inner: Callable[..., Any]) -> Callable[..., Any]:
    # At the API only: CloudFormation deletes with SkipFinalSnapshot per DeletionPolicy.
    def delete_db_instance(self: RDSResponse) -> Any:
        skip = str(self.params.get("skip_final_snapshot")).lower() == "true"
        if not skip and not self.params.get("final_db_snapshot_identifier"):
            refuse(FINAL_SNAPSHOT, InvalidParameterCombination(
                "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is "
                "specified."))
        return inner(self)
    return delete_db_instance


def apply() -> None:
    """Check RDS's rules before moto creates an instance, a replica or a subnet group."""
    wrap_methods(RDSBackend, create_db_instance=_creating,
                 create_db_instance_read_replica=_creating_replica,
                 create_subnet_group=_creating_subnet_group)
    wrap_methods(RDSResponse, delete_db_instance=_deleting)
