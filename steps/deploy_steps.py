"""Step definitions (deploy_steps)."""

from __future__ import annotations
