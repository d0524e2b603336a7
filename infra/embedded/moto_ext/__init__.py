"""Fidelity extensions that close the gaps between moto and AWS for the StreamFlix stack.

Each gap lives in its own module of this package with a test that fails without it (see
``shared/design/moto-fidelity.md``). A module takes part by defining ``apply() -> None``;
:func:`install` imports every module here and applies each once per process, because moto's
backends are process-wide state.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading

__all__ = ["install", "installed"]

_lock = threading.Lock()
_applied: list[str] = []


def install() -> None:
    """Apply every extension in this package to moto in this process (idempotent)."""
    with _lock:
        if _applied:
            return
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{__name__}.{info.name}")
            apply = getattr(module, "apply", None)
            if callable(apply):
                apply()
                _applied.append(info.name)


def installed() -> tuple[str, ...]:
    """Names of the extensions applied so far."""
    with _lock:
        return tuple(_applied)
