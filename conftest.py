"""Fixtures shared by the unit, integration and BDD suites.

The step definitions and the fixtures the Gherkin scenarios need live in ``steps/`` and
are loaded as one plugin, so ``drill run`` (which runs a feature through pytest) and
``make test`` share them.
"""

from __future__ import annotations

pytest_plugins = ["steps.plugin"]
