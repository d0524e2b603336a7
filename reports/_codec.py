"""Dataclasses to JSON and back: the only place where typed records meet plain JSON.

Decoding is lenient on purpose: unknown keys are ignored and missing keys fall back to the
field's default, so an evidence file written by an older schema still loads years later.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

__all__ = ["from_jsonable", "to_jsonable"]

T = TypeVar("T")

# Durations are drill seconds from a scaled monotonic clock; more digits than this are noise
# and would make two rebuilds of the same run differ in the last bit.
_DIGITS = 6


def to_jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value``: dataclasses become objects, tuples lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, _DIGITS)
    return value


def from_jsonable(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass of type ``cls`` from what :func:`to_jsonable` produced."""
    return typing.cast(T, _decode(cls, data))


def _decode(tp: Any, data: Any) -> Any:
    origin = get_origin(tp)
    if data is None:
        return None
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _decode_dataclass(tp, data)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _decode(inner[0], data) if len(inner) == 1 else data
    if origin is tuple:
        args = get_args(tp)
        return tuple(_decode(args[0], v) for v in data)
    if origin in (Mapping, dict) or tp is Mapping:
        args = get_args(tp) or (str, Any)
        return {k: _decode(args[1], v) for k, v in data.items()}
    if tp is float and isinstance(data, int):
        return float(data)
    return data


def _decode_dataclass(cls: type, data: Mapping[str, Any]) -> Any:
    hints = get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name])
    return cls(**kwargs)
