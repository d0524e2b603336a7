"""Run identity: run folders, tool version, git commit, and the run.started record."""

from __future__ import annotations

import getpass
import re
import secrets
import subprocess
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from infra.core.errors import ConfigError
from reports.run_folder import RunStarted

if TYPE_CHECKING:  # a type only: the settings layer stands on this one (config_docs)
    from drills.settings.config import Settings

__all__ = ["PROJECT_ROOT", "check_runs_dir", "describe_run", "git_commit", "new_run_dir",
           "tool_version"]

# drills/journal/runinfo.py: the project is three folders up
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "drill"


def new_run_dir(runs_dir: Path, scenario: str) -> Path:
    """Create a fresh, uniquely named run folder under ``runs_dir``.

    Raises:
        ConfigError: the folder cannot be created (unwritable or not a directory).
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(runs_dir) / f"{stamp}-{_slug(scenario)}-{secrets.token_hex(3)}"
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise ConfigError(f"cannot create the run folder {str(run_dir)!r}: {exc.strerror}. "
                          "Choose a writable output folder with --out.") from None
    return run_dir


def check_runs_dir(runs_dir: Path) -> Path:
    """Create ``runs_dir`` if needed and check a run folder can be made in it.

    Raises:
        ConfigError: it cannot be created or is not a writable directory.
    """
    runs_dir = Path(runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        # Trying is the only sure test (root ignores permission bits, ACLs, full disks); a
        # dot folder, so tools that list run folders never take it for a run.
        tempfile.TemporaryDirectory(dir=runs_dir, prefix=".write-check-").cleanup()
    except OSError as exc:
        raise ConfigError(f"cannot write run folders to {str(runs_dir)!r}: "
                          f"{exc.strerror or exc}. Choose a writable output folder with --out."
                          ) from None
    return runs_dir


def tool_version() -> str:
    """The installed version of this tool."""
    try:
        return metadata.version("streamflix-dr-drills")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str:
    """The commit of the tool's source tree, or "unknown" outside a checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def _operator(configured: str | None) -> str:
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def describe_run(settings: Settings, *, run_id: str, scenario: str, feature: str, gherkin: str,
                 objectives: tuple[float, float], clock: str) -> RunStarted:
    """The ``run.started`` record of a run (objectives: RTO, RPO seconds; clock: its kind)."""
    s = settings
    return RunStarted(
        run_id=run_id, scenario=scenario, feature=feature, gherkin=gherkin, backend=s.backend,
        environment=s.environment_suffix, time_scale=s.time_scale, clock=clock,
        objectives={"rto_seconds": objectives[0], "rpo_seconds": objectives[1]},
        probe_interval_seconds=s.probe_interval_s, marker_interval_seconds=s.marker_interval_s,
        recovery_consecutive=s.recovery_consecutive,
        regions={"primary": s.primary_region, "dr": s.dr_region},
        stacks={"primary": s.primary_stack, "dr": s.dr_stack},
        account="embedded" if s.backend == "embedded" else "aws",
        operator=_operator(s.operator), tool_version=tool_version(), git_commit=git_commit(),
        seed=s.seed, latency=dict(s.latency))
