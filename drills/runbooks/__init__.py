"""Runbooks: the deployment guide's procedures as ordered, timed, journaled steps."""

from __future__ import annotations

from drills.runbooks.executor import RunbookContext, RunbookStep, StepResult, execute

__all__ = ["RunbookContext", "RunbookStep", "StepResult", "execute"]
