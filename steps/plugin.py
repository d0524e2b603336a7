"""pytest plugin that loads the drill fixtures and every step-definition module."""

from __future__ import annotations

pytest_plugins = [
    "steps.fixtures",
    "steps.deploy_steps",
    "steps.drill_steps",
    "steps.fault_steps",
    "steps.failback_steps",
    "steps.breakage_steps",
    "steps.forecast_steps",
]
