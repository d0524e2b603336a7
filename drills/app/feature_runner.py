"""Runs a feature file's scenarios through pytest-bdd, as ``drill run`` does.

The feature is bound in a throwaway test module outside the project, with the step
definitions loaded as the steps plugin (named by ``drills.plan.feature_plan.STEPS_PLUGIN``:
the engine imports no step module), so any feature file can be run (not only those under
``features/``). Settings go in, and the drills come back out, through a :class:`DrillCarrier`
registered as a plugin.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from drills.journal.runinfo import PROJECT_ROOT
from drills.plan import feature_plan as planner
from drills.plan.feature_plan import STEPS_PLUGIN, load_feature
from drills.run.engine import Drill
from drills.safety.interrupts import Interrupted
from drills.settings.config import Settings
from infra.core.errors import ConfigError, DrillError
from reports import run_folder

__all__ = ["CARRIER_NAME", "DrillCarrier", "FeatureRun", "copy_results", "load_feature",
           "run_feature"]

# The name the carrier is registered under; the steps' fixtures look it up by this name.
CARRIER_NAME = "drill-carrier"


@dataclass
class DrillCarrier:
    """Carries settings into a pytest run started by the CLI, and the drills back out."""

    settings: Settings
    progress: Callable[[str], None] = lambda _msg: None
    drills: list[Drill] = field(default_factory=list)
    # One draw of a forecast (drills/app/forecast.py): the forecast's own steps do not recurse.
    forecast_draw: bool = False
    # Forecasts already run in this session, by (feature, scenario, draws, seed).
    forecasts: dict[tuple[str, str, int, int], object] = field(default_factory=dict)


_RUNS = itertools.count(1)


@dataclass
class FeatureRun:
    """What a feature run produced: pytest's exit status, the drills, and step failures."""

    exit_status: int
    drills: list[Any]
    failures: list[str] = field(default_factory=list)
    # Why the feature was refused before any scenario ran (no drill started), if it was.
    refusal: DrillError | None = None

    @property
    def interrupted(self) -> bool:
        """Whether pytest stopped on Ctrl-C, SIGTERM or ``drill abort``.

        pytest also answers INTERRUPTED to an error while collecting; that is a refusal
        (``refusal`` says why), not a signal.
        """
        return self.exit_status == pytest.ExitCode.INTERRUPTED and self.refusal is None


class _Collector(DrillCarrier):
    """Carrier that keeps each failed phase's text and refuses a bad feature up front."""

    def __init__(self, settings: Settings, progress: Callable[[str], None],
                 feature: Path) -> None:
        super().__init__(settings, progress)
        self.failures: list[str] = []
        self.feature = feature
        self.refusal: DrillError | None = None
        self.tags: tuple[str, ...] = ()

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        """Refuse the feature before any drill starts if a run would refuse it half-way."""
        try:
            _check_feature(self.feature, self.settings, config)
        except DrillError as exc:
            self.refusal = exc
            config.hook.pytest_deselected(items=list(items))
            items.clear()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A feature pytest cannot even collect is refused, with pytest's reason."""
        if report.failed and self.refusal is None:
            text = report.longreprtext.strip().splitlines() if report.longreprtext else []
            why = text[-1].removeprefix("E   ").strip() if text else "pytest could not collect it"
            self.refusal = ConfigError(f"feature file {str(self.feature)!r} cannot be run: {why}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep failure text for the summary."""
        if report.failed:
            self.failures.append(f"{report.when}: {report.longreprtext.strip().splitlines()[-1]}"
                                 if report.longreprtext else report.when)


def run_feature(feature_path: Path, settings: Settings, *, progress: Callable[[str], None],
                results_dir: Path, verbose: bool = False,
                forecast_draw: bool = False) -> FeatureRun:
    """Run every scenario of ``feature_path``; JUnit and Cucumber JSON go to ``results_dir``.

    pytest's own terminal output (progress dots, "generated json file", "1 passed in") is
    left out unless ``verbose``: the drill's progress and summary are what an operator reads,
    and step failures reach the summary through the carrier either way. ``forecast_draw``:
    this run is one draw of a forecast, whose own steps only check.
    """
    feature = load_feature(feature_path)
    carrier = _Collector(settings, progress, Path(feature_path))
    carrier.forecast_draw = forecast_draw
    carrier.tags = _tags(feature)
    with tempfile.TemporaryDirectory(prefix="drill-feature-") as tmp:
        # A name of its own per run: pytest keeps an imported test module in sys.modules, and
        # a second run in the same process (a forecast's worker) would collide with it.
        module = Path(tmp) / f"test_drill_feature_{next(_RUNS)}.py"
        module.write_text("from pytest_bdd import scenarios\n"
                          f"scenarios({str(Path(feature_path).resolve())!r})\n", encoding="utf-8")
        args = [str(module), "-p", STEPS_PLUGIN, "-p", "no:cacheprovider", "-s",
                "-c", str(PROJECT_ROOT / "pyproject.toml"), "--rootdir", str(PROJECT_ROOT),
                "-p", "no:warnings",
                # Its report is a warning, which no:warnings drops; at exit it runs full
                # garbage collections over moto's objects: over a second per run.
                "-p", "no:unraisableexception",
                f"--junitxml={results_dir / run_folder.JUNIT}",
                f"--cucumberjson={results_dir / run_folder.CUCUMBER}"]
        # Without the terminal plugin its options (and the ini's -ra) do not exist.
        args += (["-q", "--no-header", "--tb=line", "--no-summary"] if verbose
                 else ["-p", "no:terminal", "-o", "addopts=--strict-markers"])
        status = _main_closing_drills(args, carrier)
    return FeatureRun(int(status), carrier.drills, carrier.failures, carrier.refusal)


def _check_feature(feature: Path, settings: Settings, config: pytest.Config) -> None:
    """What ``drill plan`` checks (every step known, regions, faults); raises ConfigError.

    Steps are matched against every plugin module this pytest run loaded, as pytest-bdd
    matches them. A scenario with a step that ``steps/plans.py`` has no plan for (a step from
    a test-only plugin) is matched but not planned.
    """
    from drills.plan.planner import Planner

    # Not get_plugins(): it builds a set, and a dataclass plugin (the carrier) is unhashable.
    plugins = config.pluginmanager.list_name_plugin()
    modules = {p.__name__ for _name, p in plugins if isinstance(p, ModuleType)}
    matched = planner.match_feature(feature, planner.step_definitions(modules))
    plans = planner.step_plans()
    plannable = tuple(s for s in matched.scenarios if all(x.pattern in plans for x in s[1]))
    planner.plan_feature(planner.FeatureSteps(matched.path, plannable), lambda: Planner(settings),
                         plans)


def _main_closing_drills(args: list[str], carrier: _Collector) -> int:
    """``pytest.main``, then close every drill it left open, even when a signal escapes it.

    pytest closes each drill through its fixture, but a signal at the wrong moment (as that
    teardown begins, or a second Ctrl-C inside pytest's own interrupt handling) can skip
    it; close() is idempotent, so closing again here is harmless.
    """
    status: int = pytest.ExitCode.INTERRUPTED
    escaped: BaseException | None = None
    try:
        status = pytest.main(args, plugins=[_PluginName(carrier)])
    except BaseException as exc:  # kept for the verdict, then re-raised
        escaped = exc
        raise
    finally:
        for drill in carrier.drills:
            drill.close(escaped or (Interrupted() if status == pytest.ExitCode.INTERRUPTED
                                    else None))
    return status


class _PluginName:
    """Registers the carrier under its well-known name."""

    def __init__(self, carrier: DrillCarrier) -> None:
        self.carrier = carrier

    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the carrier so fixtures can find it by name, and the feature's tags.

        The project's pytest settings insist on declared markers; a feature's tags are its
        author's business, so each is declared here rather than refused.
        """
        config.pluginmanager.register(self.carrier, CARRIER_NAME)
        for tag in getattr(self.carrier, "tags", ()):
            config.addinivalue_line("markers", f"{tag}: a tag of the feature being run")


def _tags(feature: Any) -> tuple[str, ...]:
    """Every tag of the feature and its scenarios, as pytest-bdd turns them into markers."""
    found = set(getattr(feature, "tags", ()) or ())
    for scenario in getattr(feature, "scenarios", {}).values():
        found |= set(getattr(scenario, "tags", ()) or ())
    return tuple(sorted(found))


def copy_results(results_dir: Path, run_dir: Path) -> None:
    """Put the JUnit and Cucumber results of a run into its folder."""
    for name in (run_folder.JUNIT, run_folder.CUCUMBER):
        src = results_dir / name
        if src.exists():
            shutil.copyfile(src, run_dir / name)
