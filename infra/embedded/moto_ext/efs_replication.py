"""EFS replication configurations: create, describe and delete, shaped like AWS's answers.

Stock moto raises ``NotImplementedError`` (HTTP 500) for all three. A configuration lives
with its source file system; it can be described from the source's region and from the
destination's, and deleting it returns the destination to a writable file system, as on AWS.
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.efs import urls
from moto.efs.exceptions import EFSError, FileSystemNotFound
from moto.efs.models import EFSBackend, efs_backends
from moto.efs.responses import EFSResponse

__all__ = ["ReplicationNotFound", "apply"]


class ReplicationNotFound(EFSError):
    """The file system has no replication configuration."""

    code = 404

    def __init__(self, file_system_id: str) -> None:
        super().__init__("ReplicationNotFound",
                         f"Replication configuration for file system '{file_system_id}' "
                         "does not exist.")


class _ValidationException(EFSError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


def _configs(backend: EFSBackend) -> dict[str, dict[str, Any]]:
    # Kept on the backend instance so /moto-api/reset drops it with everything else.
    return backend.__dict__.setdefault("replication_configurations", {})


def _protection(fs: Any, value: str) -> None:
    fs.file_system_protection = {"ReplicationOverwriteProtection": value}


def create_replication_configuration(
    self: EFSBackend, source_id: str, destinations: list[dict[str, Any]]
) -> dict[str, Any]:
    """Replicate ``source_id`` to the one destination file system given."""
    if source_id not in self.file_systems_by_id:
        raise FileSystemNotFound(source_id)
    if source_id in _configs(self):
        raise _ValidationException(
            f"File system '{source_id}' already has a replication configuration.")
    if len(destinations) != 1:
        raise _ValidationException("Exactly one destination is supported.")
    dest = destinations[0]
    region = dest.get("Region") or self.region_name
    target_backend = efs_backends[self.account_id][region]
    target = target_backend.file_systems_by_id.get(dest.get("FileSystemId", ""))
    if target is None:
        raise FileSystemNotFound(dest.get("FileSystemId", ""))
    _protection(target, "REPLICATING")
    source = self.file_systems_by_id[source_id]
    config = {
        "SourceFileSystemId": source_id,
        "SourceFileSystemRegion": self.region_name,
        "SourceFileSystemArn": source.file_system_arn,
        "OriginalSourceFileSystemArn": source.file_system_arn,
        "CreationTime": time.time(),
        "SourceFileSystemOwnerId": self.account_id,
        "Destinations": [{"Status": "ENABLED", "FileSystemId": target.file_system_id,
                          "Region": region, "OwnerId": self.account_id}],
    }
    _configs(self)[source_id] = config
    return config


def _all_configs(self: EFSBackend) -> list[dict[str, Any]]:
    found = list(_configs(self).values())
    for region, backend in efs_backends[self.account_id].items():
        if region != self.region_name:
            found += [c for c in _configs(backend).values()
                      if c["Destinations"][0]["Region"] == self.region_name]
    return found


def describe_replication_configurations(
    self: EFSBackend, file_system_id: str | None
) -> list[dict[str, Any]]:
    """Configurations whose source or destination is ``file_system_id`` (all if None)."""
    configs = _all_configs(self)
    if file_system_id is None:
        return configs
    if file_system_id not in self.file_systems_by_id:
        raise FileSystemNotFound(file_system_id)
    mine = [c for c in configs if file_system_id in
            (c["SourceFileSystemId"], c["Destinations"][0]["FileSystemId"])]
    if not mine:
        raise ReplicationNotFound(file_system_id)
    return mine


def delete_replication_configuration(self: EFSBackend, source_id: str) -> None:
    """Stop replicating ``source_id``; its destination becomes writable again."""
    if source_id not in self.file_systems_by_id:
        raise FileSystemNotFound(source_id)
    config = _configs(self).pop(source_id, None)
    if config is None:
        raise ReplicationNotFound(source_id)
    dest = config["Destinations"][0]
    target = efs_backends[self.account_id][dest["Region"]].file_systems_by_id.get(
        dest["FileSystemId"])
    if target is not None:
        _protection(target, "ENABLED")


def _r_create(self: EFSResponse) -> tuple[str, dict[str, Any]]:
    source_id = self._get_param("SourceFileSystemId")
    config = self.efs_backend.create_replication_configuration(  # type: ignore[attr-defined]
        source_id, self._get_param("Destinations") or [])
    return json.dumps(config), {"status": 200, "Content-Type": "application/json"}


def _r_describe(self: EFSResponse) -> tuple[str, dict[str, Any]]:
    configs = self.efs_backend.describe_replication_configurations(  # type: ignore[attr-defined]
        self._get_param("FileSystemId"))
    return json.dumps({"Replications": configs}), {"Content-Type": "application/json"}


def _r_delete(self: EFSResponse) -> tuple[str, dict[str, Any]]:
    self.efs_backend.delete_replication_configuration(  # type: ignore[attr-defined]
        self._get_param("SourceFileSystemId"))
    return "", {"status": 204, "Content-Type": "application/json"}


def apply() -> None:
    """Add the three replication operations to moto's EFS backend and responses."""
    EFSBackend.create_replication_configuration = create_replication_configuration  # type: ignore[method-assign, attr-defined]
    EFSBackend.describe_replication_configurations = describe_replication_configurations  # type: ignore[method-assign, attr-defined]
    EFSBackend.delete_replication_configuration = delete_replication_configuration  # type: ignore[method-assign, attr-defined]
    EFSResponse.create_replication_configuration = _r_create  # type: ignore[attr-defined]
    EFSResponse.describe_replication_configurations = _r_describe  # type: ignore[attr-defined]
    EFSResponse.delete_replication_configuration = _r_delete  # type: ignore[attr-defined]
    # The server builds its URL map from these paths the first time EFS is called.
    urls.url_paths.setdefault("/2015-02-01/file-systems/replication-configurations",
                              urls.response.dispatch)
    urls.url_paths.setdefault(
        "/2015-02-01/file-systems/<file_system_id>/replication-configuration",
        urls.response.dispatch)
