"""Test-only step definitions, loaded into ``drill run`` with ``PYTEST_ADDOPTS=-p ...``.

They let a subprocess drill hit an unexpected exception in the middle of its failover
without any switch in the product's own code.
"""

from __future__ import annotations

from pytest_bdd import parsers, when

from drills.engine import Drill
from drills.runbooks.executor import RunbookContext, RunbookStep
from drills.runbooks.failover import failover_steps

__all__ = ["CRASH_MESSAGE"]

CRASH_MESSAGE = "runbook step crashed on purpose"


def _crash(_ctx: RunbookContext) -> None:
    raise RuntimeError(CRASH_MESSAGE)


@when(parsers.parse("the on-call team runs a failover runbook that crashes after promoting "
                    "the replica"))
def _(drill: Drill) -> None:
    promote = failover_steps(drill.settings.dr_region)[0]
    drill.runbook = (promote, RunbookStep("crash", drill.settings.dr_region, _crash,
                                          "raises, as a bug in a step would"))
    drill.detect()
    drill.fail_over()
