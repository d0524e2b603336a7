"""pytest plugin that loads the drill fixtures and every step-definition module.

``drill plan`` and ``drill run`` name this module (``drills.plan.feature_plan.STEPS_PLUGIN``):
its ``pytest_plugins`` are the step modules, its ``STEP_PLANS`` what each step plans.
"""

from __future__ import annotations

from steps.plans import STEP_PLANS

__all__ = ["STEP_PLANS", "pytest_plugins"]

pytest_plugins = [
    "steps.fixtures",
    "steps.deploy_steps",
    "steps.drill_steps",
    "steps.fault_steps",
    "steps.failback_steps",
    "steps.breakage_steps",
    "steps.forecast_steps",
]
