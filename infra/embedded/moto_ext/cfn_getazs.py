"""``Fn::GetAZs ""`` lists the zones of the stack's own region, as on AWS.

Stock moto answers ``us-east-1a..d`` in every region, so a primary stack in eu-west-2 would
put its subnets (and with them RDS Multi-AZ, EFS mount targets, the cache) in zones that do
not exist in that region.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing

__all__ = ["apply"]

_ZONE_LETTERS = ("a", "b", "c")


def _clean_json(resource_json: Any, resources_map: Any) -> Any:
    if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
        region = parsing._moto_clean_json(  # type: ignore[attr-defined]
            resource_json["Fn::GetAZs"], resources_map)
        region = region or resources_map._region_name
        return [f"{region}{letter}" for letter in _ZONE_LETTERS]
    return parsing._moto_clean_json(resource_json, resources_map)  # type: ignore[attr-defined]


def apply() -> None:
    """Resolve ``Fn::GetAZs`` against the stack's region."""
    if not hasattr(parsing, "_moto_clean_json"):
        parsing._moto_clean_json = parsing.clean_json  # type: ignore[attr-defined]
    # clean_json recurses through the module global, so nested GetAZs are covered too.
    parsing.clean_json = _clean_json
