"""``AWS::KMS::Key`` as CloudFormation creates and deletes it.

Stock moto crashes on ``Tags`` (it expects the KMS API's ``TagKey``/``TagValue``), stores an
object ``KeyPolicy`` as a dict so every later ``describe_key`` fails, does not know
``!GetAtt Key.KeyId``, and deletes the key outright where AWS schedules its deletion
(``PendingWindowInDays``, 30 by default).
"""

from __future__ import annotations

import json
from typing import Any

from moto.kms.models import Key, kms_backends

from infra.embedded.moto_ext._cfn import set_attr

__all__ = ["apply"]


def _create(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
            region_name: str, **kwargs: Any) -> Key:
    props = cloudformation_json["Properties"]
    policy = props.get("KeyPolicy")
    key = kms_backends[account_id][region_name].create_key(
        policy=json.dumps(policy) if isinstance(policy, dict) else policy,
        key_usage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
        description=props.get("Description", ""),
        tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])],
    )
    key.key_rotation_status = bool(props.get("EnableKeyRotation", False))
    key.enabled = props.get("Enabled", True)
    key.cfn_pending_window = int(props.get("PendingWindowInDays", 30))  # type: ignore[attr-defined]
    return key


def _get_cfn_attribute(self: Key, attribute_name: str) -> str:
    if attribute_name == "KeyId":
        return str(self.id)
    return Key._moto_get_cfn_attribute(self, attribute_name)  # type: ignore[attr-defined,no-any-return]


def _delete(self: Key, account_id: str, region_name: str) -> None:
    window = getattr(self, "cfn_pending_window", 30)
    kms_backends[account_id][region_name].schedule_key_deletion(self.id, window)


def apply() -> None:
    """Install the CloudFormation create/attribute/delete behaviour of KMS keys."""
    set_attr(Key, "create_from_cloudformation_json", classmethod(_create))
    set_attr(Key, "has_cfn_attr", classmethod(lambda cls, attr: attr in ("Arn", "KeyId")))
    set_attr(Key, "get_cfn_attribute", _get_cfn_attribute)
    set_attr(Key, "delete", _delete)
