"""pytest plugin that loads every step-definition module and the drill fixtures."""

from __future__ import annotations

pytest_plugins = ["steps.fixtures"]
