"""Suite-wide ordering: modules marked ``slow`` run first.

``make test`` spreads whole modules over two workers (``--dist loadfile``) in collection
order. A long module that starts last leaves one worker busy while the other idles, so the
long ones are handed out first and the many short ones fill in behind them.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move every test of a ``slow`` module ahead of the rest, keeping each group's order."""
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        rest = [item for item in items if item.get_closest_marker("slow") is None]
        items[:] = slow + rest
