"""EFS's documented rules for replication configurations and mount targets.

The replication operations themselves are ``efs_replication``'s; it already refuses a
second configuration of one source. Here, as ``CreateReplicationConfiguration`` documents:
an encrypted source cannot replicate to an unencrypted destination (``ConflictException``),
a file system cannot be its own destination, and a file system that is already a
destination (or a source) cannot become another one's destination. ``CreateMountTarget``
refuses a security group of another VPC than the subnet's (``SecurityGroupMismatch``).
Catalogue: ``docs/fidelity.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.efs.exceptions import EFSError
from moto.efs.models import EFSBackend, efs_backends

from infra.embedded.moto_ext._rules import refuse, rule, wrap_methods

__all__ = ["apply"]

_REPL = "https://docs.aws.amazon.com/efs/latest/ug/API_CreateReplicationConfiguration.html"

ENCRYPTION = rule("EFS-REPL-ENCRYPTION", "an encrypted source replicates only to an "
                  "encrypted destination", _REPL)
SELF = rule("EFS-REPL-SELF", "a file system is not its own replication destination", _REPL)
IN_USE = rule("EFS-REPL-DEST-IN-USE", "a destination is not already in a replication "
              "configuration (as source or destination)",
              "https://docs.aws.amazon.com/efs/latest/ug/efs-replication.html")
SG_VPC = rule("EFS-MT-SG-VPC", "a mount target's security groups are in its subnet's VPC",
              "https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html")


class _Refused(EFSError):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = status
        super().__init__(code, message)


def _in_use(account: str, file_system_id: str) -> bool:
    for backend in efs_backends[account].values():
        for config in backend.__dict__.get("replication_configurations", {}).values():
            ids = {config["SourceFileSystemId"]} | {
                d["FileSystemId"] for d in config["Destinations"]}
            if file_system_id in ids:
                return True
    return False


def _check_replication(backend: EFSBackend, source_id: str,
                       destinations: list[dict[str, Any]]) -> None:
    source = backend.file_systems_by_id.get(source_id)
    for dest in destinations:
        region = dest.get("Region") or backend.region_name
        target = efs_backends[backend.account_id][region].file_systems_by_id.get(
            dest.get("FileSystemId", ""))
        if source is None or target is None:
            continue  # efs_replication's FileSystemNotFound stands
        if target.file_system_id == source_id and region == backend.region_name:
            refuse(SELF, _Refused("ValidationException", "The destination file system cannot "
                                  "be the source file system."))  # est. wording
        if source.encrypted and not target.encrypted:
            refuse(ENCRYPTION, _Refused(
                "ConflictException", f"Source file system {source_id} is encrypted but "
                f"destination file system {target.file_system_id} is not.", 409))  # est.
        if _in_use(backend.account_id, target.file_system_id):
            refuse(IN_USE, _Refused(
                "ValidationException", f"File system {target.file_system_id} is already part "
                "of a replication configuration."))  # est. wording


def _replicating(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_replication_configuration(self: EFSBackend, source_id: str,
                                         destinations: list[dict[str, Any]]) -> Any:
        _check_replication(self, source_id, destinations)
        return inner(self, source_id, destinations)
    return create_replication_configuration


def _mounting(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_mount_target(self: EFSBackend, file_system_id: str, subnet_id: str,
                            **kwargs: Any) -> Any:
        subnet = next((found[subnet_id] for found in self.ec2_backend.subnets.values()
                       if subnet_id in found), None)
        for group_id in kwargs.get("security_groups") or []:
            group = self.ec2_backend.get_security_group_from_id(group_id)
            if subnet is not None and group is not None and group.vpc_id != subnet.vpc_id:
                refuse(SG_VPC, _Refused("SecurityGroupMismatch", f"Security group {group_id} "
                                        f"does not belong to the VPC {subnet.vpc_id} of subnet "
                                        f"{subnet_id}."))  # est. wording
        return inner(self, file_system_id, subnet_id, **kwargs)
    return create_mount_target


def apply() -> None:
    """Check EFS's rules before a replication configuration or mount target is made."""
    wrap_methods(EFSBackend, create_replication_configuration=_replicating,
                 create_mount_target=_mounting)
