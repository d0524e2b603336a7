"""``AWS::RDS::DBInstance`` and ``::DBSubnetGroup`` with the properties real templates use.

Stock moto ignores ``VPCSecurityGroups``, crashes on a literal ``DBSubnetGroupName`` (only a
``Ref`` works, and ``Ref`` on a subnet group yields a Python object), cannot ``!GetAtt``
``DBInstanceArn``, and fails a cross-region read replica (``SourceDBInstanceIdentifier`` =
the source's ARN, ``SourceRegion``) with ``DBSubnetGroupNotFoundFault``: the copied source
still points at its own region's backend when the DR subnet group is looked up. Deleting
such a replica then fails because the source lists it by ARN but removes it by name.
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import DBInstance, DBSubnetGroup, rds_backends

from infra.embedded.moto_ext._cfn import set_attr

__all__ = ["apply"]

_ATTRIBUTES = ("Endpoint.Address", "Endpoint.Port", "DBInstanceArn", "DbiResourceId")

# CloudFormation property -> moto create_db_instance keyword.
_PROPERTIES = {
    "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
    "AllocatedStorage": "allocated_storage",
    "AvailabilityZone": "availability_zone",
    "BackupRetentionPeriod": "backup_retention_period",
    "DBInstanceClass": "db_instance_class",
    "DBName": "db_name",
    "DBSubnetGroupName": "db_subnet_group_name",
    "DBParameterGroupName": "db_parameter_group_name",
    "Engine": "engine",
    "EngineVersion": "engine_version",
    "Iops": "iops",
    "KmsKeyId": "kms_key_id",
    "MasterUserPassword": "master_user_password",
    "MasterUsername": "master_username",
    "MultiAZ": "multi_az",
    "Port": "port",
    "PubliclyAccessible": "publicly_accessible",
    "CopyTagsToSnapshot": "copy_tags_to_snapshot",
    "DeletionProtection": "deletion_protection",
    "StorageEncrypted": "storage_encrypted",
    "StorageType": "storage_type",
    "Tags": "tags",
}


def _kwargs(resource_name: str, props: dict[str, Any]) -> dict[str, Any]:
    kwargs = {kw: props[prop] for prop, kw in _PROPERTIES.items() if prop in props}
    kwargs["db_instance_identifier"] = resource_name.replace("_", "-")
    kwargs["vpc_security_group_ids"] = list(
        props.get("VPCSecurityGroups") or props.get("VpcSecurityGroupIds") or []
    )
    for flag in ("multi_az", "storage_encrypted", "publicly_accessible"):
        if isinstance(kwargs.get(flag), str):
            kwargs[flag] = kwargs[flag].lower() == "true"
    kwargs.setdefault("preferred_maintenance_window", "wed:06:38-wed:07:08")
    kwargs.setdefault("preferred_backup_window", "13:14-13:44")
    return kwargs


def _create(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
            region_name: str, **kwargs: Any) -> DBInstance:
    props = cloudformation_json["Properties"]
    backend = rds_backends[account_id][region_name]
    db_kwargs = _kwargs(resource_name, props)
    source = props.get("SourceDBInstanceIdentifier")
    if not source:
        db_kwargs.setdefault("port", DBInstance.default_port(db_kwargs.get("engine", "mysql")))
        return backend.create_db_instance(db_kwargs)
    # The replica is a copy of its source: switch it to this region's backend before any
    # region-bound property (subnet group, security groups) is set on it.
    replica_kwargs = {"backend": backend, "source_db_instance_identifier": source}
    replica_kwargs |= {k: v for k, v in db_kwargs.items() if k not in _REPLICA_INHERITED}
    replica_kwargs.pop("port", None)
    # The copy would otherwise keep the source's zone (eu-west-2a for a us-east-1 replica).
    replica_kwargs.setdefault("availability_zone", f"{region_name}a")
    return backend.create_db_instance_read_replica(replica_kwargs)


# A replica takes these from its source; AWS rejects or ignores them on CreateDBInstance.
_REPLICA_INHERITED = frozenset(
    {"engine", "engine_version", "master_username", "master_user_password",
     "allocated_storage", "storage_encrypted", "db_name", "backup_retention_period"}
)


def _get_cfn_attribute(self: DBInstance, attribute_name: str) -> Any:
    if attribute_name == "DBInstanceArn":
        return self.db_instance_arn
    if attribute_name == "DbiResourceId":
        return self.dbi_resource_id
    return DBInstance._moto_get_cfn_attribute(self, attribute_name)  # type: ignore[attr-defined]


def _remove_replica(self: DBInstance, replica: DBInstance) -> None:
    for ref in (replica.db_instance_identifier, replica.db_instance_arn):
        if ref in self.replicas:
            self.replicas.remove(ref)


def apply() -> None:
    """Install the CloudFormation behaviour of RDS instances and subnet groups."""
    set_attr(DBInstance, "create_from_cloudformation_json", classmethod(_create))
    set_attr(DBInstance, "has_cfn_attr", classmethod(lambda cls, attr: attr in _ATTRIBUTES))
    set_attr(DBInstance, "get_cfn_attribute", _get_cfn_attribute)
    set_attr(DBInstance, "remove_replica", _remove_replica)
    # Ref on a subnet group is its name, as on AWS.
    set_attr(DBSubnetGroup, "physical_resource_id", property(lambda self: self.name))
