"""Step definitions for forecasts: an objective met in at least a share of N seeded draws.

Under ``drill run`` the scenario first runs its own drill, as any scenario does; this step
then closes that drill and runs the forecast of the whole feature (N draws, seeds drawn from
the drill's own seed, so ``drill run --seed S`` repeats it) and publishes its folder in the
runs folder. Both steps of a feature share one forecast. Inside a draw the step only checks
nothing: a draw must not start a forecast of its own.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pytest_bdd import parsers, then

from drills.app.forecast import Forecast, default_jobs, run_forecast
from drills.run.engine import Drill
from reports.forecast_stats import Share, summarise
from steps.fixtures import CARRIER_NAME

__all__: list[str] = []

# By feature, draws, seed and runs folder: the RTO and RPO steps of one run share a forecast.
_FORECASTS: dict[tuple[str, int, int, str], Forecast] = {}


def _forecast(request: pytest.FixtureRequest, drill: Drill, draws: int) -> Forecast | None:
    """This feature's forecast of ``draws`` draws (run once per feature and seed)."""
    carrier = request.config.pluginmanager.get_plugin(CARRIER_NAME)
    if carrier is not None and carrier.forecast_draw:
        return None
    drill.close()  # its own run is complete; nothing of it keeps running during the draws
    feature = str(Path(drill.feature).resolve())
    key = (feature, draws, int(drill.settings.seed or 0), str(drill.settings.runs_dir))
    if key not in _FORECASTS:
        _FORECASTS[key] = run_forecast(Path(drill.feature), drill.settings, draws=draws,
                                       jobs=default_jobs(), seed=key[2])
    return _FORECASTS[key]


def _check(found: Forecast | None, drill: Drill, objective: str, percent: float) -> None:
    if found is None:
        return
    summary = summarise(drill.scenario, found.record.of(drill.scenario))
    share: Share = summary.rto_met if objective == "RTO" else summary.rpo_met
    needed = math.ceil(percent / 100 * share.n - 1e-9)
    assert share.met >= needed, (
        f"{objective} within its objective in {share.met} of {share.n} draws "
        f"({100 * share.ratio:.1f}%, 95% CI {100 * share.low:.1f}-{100 * share.high:.1f}%), "
        f"fewer than the {percent:g}% required; forecast folder {found.folder}")


@then(parsers.parse("the RTO is within its objective in at least {percent:g}% of {draws:d} "
                    "draws"))
def _(request: pytest.FixtureRequest, drill: Drill, percent: float, draws: int) -> None:
    _check(_forecast(request, drill, draws), drill, "RTO", percent)


@then(parsers.parse("the RPO is within its objective in at least {percent:g}% of {draws:d} "
                    "draws"))
def _(request: pytest.FixtureRequest, drill: Drill, percent: float, draws: int) -> None:
    _check(_forecast(request, drill, draws), drill, "RPO", percent)
