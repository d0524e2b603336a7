"""``AWS::EFS::FileSystem`` attributes and ``FileSystemProtection`` as on AWS.

Stock moto answers 500 to ``!GetAtt FileSystem.Arn`` (the attribute is unknown) and drops
``FileSystemProtection``, which a replication destination needs to show as ``DISABLED``.
"""

from __future__ import annotations

from typing import Any

from moto.efs.models import FileSystem

from infra.embedded.moto_ext._cfn import set_attr

__all__ = ["apply"]

_ATTRIBUTES = ("Arn", "FileSystemId")


def _create(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
            region_name: str, **kwargs: Any) -> FileSystem:
    create = FileSystem._moto_create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    fs: FileSystem = create(cls, resource_name, cloudformation_json, account_id, region_name,
                            **kwargs)
    protection = cloudformation_json["Properties"].get("FileSystemProtection") or {}
    # info_json() publishes every public attribute, so this shows up in describe_file_systems.
    fs.file_system_protection = {  # type: ignore[attr-defined]
        "ReplicationOverwriteProtection": protection.get("ReplicationOverwriteProtection",
                                                         "ENABLED")
    }
    return fs


def _get_cfn_attribute(self: FileSystem, attribute_name: str) -> str:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    if attribute_name == "Arn":
        return self.file_system_arn
    if attribute_name == "FileSystemId":
        return self.file_system_id
    raise UnformattedGetAttTemplateException()


def apply() -> None:
    """Install the attributes and protection setting of EFS file systems."""
    set_attr(FileSystem, "create_from_cloudformation_json", classmethod(_create))
    set_attr(FileSystem, "has_cfn_attr", classmethod(lambda cls, attr: attr in _ATTRIBUTES))
    set_attr(FileSystem, "get_cfn_attribute", _get_cfn_attribute)
