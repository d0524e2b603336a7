"""The region-loss drill as one call, in the order of ``features/region_loss.feature``.

Gherkin is how people run drills; this is how code runs many of them (benchmarks, accuracy
tests): the same :class:`~drills.run.engine.Drill` phases, with no pytest in between.
"""

from __future__ import annotations

from collections.abc import Callable

from drills.journal.runinfo import PROJECT_ROOT
from drills.run.engine import Drill
from drills.runbooks.executor import RunbookStep
from drills.settings.config import Settings
from infra.aws import CallRecord

__all__ = ["region_loss"]

SCENARIO = "Primary region lost, RTO under 15 minutes"
FEATURE = PROJECT_ROOT / "features" / "region_loss.feature"


def region_loss(
    settings: Settings, *, runbook: tuple[RunbookStep, ...] | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
    observers: tuple[Callable[[CallRecord], None], ...] = (),
) -> Drill:
    """Run the region-loss drill to the end; the closed drill (verdict in ``exit_code``)."""
    gherkin = FEATURE.read_text(encoding="utf-8") if FEATURE.is_file() else ""
    drill = Drill(settings, scenario=SCENARIO, feature=str(FEATURE), gherkin=gherkin,
                  runbook=runbook, progress=progress, observers=observers)
    error: BaseException | None = None
    try:
        drill.open()
        drill.steady_state()
        drill.inject("region-outage", region=settings.primary_region)
        drill.detect()
        drill.fail_over()
        drill.await_recovery()
        drill.measure()
    except BaseException as exc:  # the verdict names it; close() reverts whatever happened
        error = exc
        if not isinstance(exc, Exception):
            drill.close(error)
            raise
    drill.close(error)
    return drill
