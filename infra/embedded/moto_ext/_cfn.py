"""Helpers shared by the CloudFormation extensions (no ``apply()``: not an extension itself)."""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing

__all__ = ["refresh_model_maps", "set_attr"]


def refresh_model_maps() -> None:
    """Forget moto's cached resource-type maps so newly defined models are found."""
    # The three maps are lru-cached at first use; a model class defined later is invisible
    # until they are rebuilt.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


def set_attr(cls: type, name: str, value: Any) -> None:
    """Replace ``cls.name`` once, keeping moto's original as ``_moto_<name>`` for tests."""
    original = cls.__dict__.get(name)
    if original is not None and not hasattr(cls, f"_moto_{name}"):
        setattr(cls, f"_moto_{name}", original)
    setattr(cls, name, value)
