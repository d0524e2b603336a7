"""Runs a feature file's scenarios through pytest-bdd, as ``drill run`` does.

The feature is bound in a throwaway test module outside the project, with the step
definitions loaded as the ``steps.plugin`` plugin, so any feature file can be run (not only
those under ``features/``). Settings go in, and the drills come back out, through a
:class:`steps.fixtures.DrillCarrier` registered as a plugin.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import FeatureParser

from drills.config import Settings
from drills.errors import ConfigError
from drills.runinfo import PROJECT_ROOT
from steps.fixtures import CARRIER_NAME, DrillCarrier

__all__ = ["FeatureRun", "load_feature", "run_feature"]


@dataclass
class FeatureRun:
    """What a feature run produced: pytest's exit status, the drills, and step failures."""

    exit_status: int
    drills: list[Any]
    failures: list[str] = field(default_factory=list)


class _Collector(DrillCarrier):
    """Carrier that also keeps the text of every failed test phase."""

    def __init__(self, settings: Settings, progress: Callable[[str], None]) -> None:
        super().__init__(settings, progress)
        self.failures: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep failure text for the summary."""
        if report.failed:
            self.failures.append(f"{report.when}: {report.longreprtext.strip().splitlines()[-1]}"
                                 if report.longreprtext else report.when)


def load_feature(path: Path) -> Any:
    """Parse a feature file, turning every problem into a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"feature file {str(path)!r} does not exist")
    try:
        feature = FeatureParser(str(path.parent.resolve()), path.name).parse()
    except GherkinParseError as exc:
        raise ConfigError(f"feature file {str(path)!r} is not valid Gherkin: {exc}") from None
    if not feature.scenarios:
        raise ConfigError(f"feature file {str(path)!r} has no scenario")
    return feature


def run_feature(feature_path: Path, settings: Settings, *, progress: Callable[[str], None],
                results_dir: Path) -> FeatureRun:
    """Run every scenario of ``feature_path``; JUnit and Cucumber JSON go to ``results_dir``."""
    load_feature(feature_path)
    carrier = _Collector(settings, progress)
    with tempfile.TemporaryDirectory(prefix="drill-feature-") as tmp:
        module = Path(tmp) / "test_drill_feature.py"
        module.write_text("from pytest_bdd import scenarios\n"
                          f"scenarios({str(Path(feature_path).resolve())!r})\n", encoding="utf-8")
        args = [str(module), "-p", "steps.plugin", "-p", "no:cacheprovider", "-q", "-s",
                "--no-header", "--tb=line", "-c", str(PROJECT_ROOT / "pyproject.toml"),
                "--rootdir", str(PROJECT_ROOT), "-p", "no:warnings", "--no-summary",
                f"--junitxml={results_dir / 'junit.xml'}",
                f"--cucumberjson={results_dir / 'cucumber.json'}"]
        status = pytest.main(args, plugins=[_PluginName(carrier)])
    return FeatureRun(int(status), carrier.drills, carrier.failures)


class _PluginName:
    """Registers the carrier under its well-known name."""

    def __init__(self, carrier: DrillCarrier) -> None:
        self.carrier = carrier

    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the carrier so fixtures can find it by name."""
        config.pluginmanager.register(self.carrier, CARRIER_NAME)


def copy_results(results_dir: Path, run_dir: Path) -> None:
    """Put the JUnit and Cucumber results of a run into its folder."""
    for name in ("junit.xml", "cucumber.json"):
        src = results_dir / name
        if src.exists():
            shutil.copyfile(src, run_dir / name)
