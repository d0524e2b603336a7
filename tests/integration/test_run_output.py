"""What `drill run` prints: its own progress and summary, durations rounded for people."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from reports import load_evidence
from reports.durations import human_seconds
from tests.drillcli import drill_command, drill_env

__all__: list[str] = []

# A scenario that opens a drill and ends at once: a real pytest run that costs a second.
SHORT = ("Feature: Quiet output\n  Scenario: Objectives only\n"
         "    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds\n")
PYTEST_LINES = re.compile(r"generated (json|xml) file|\d+ (passed|failed|error)\w* in [\d.]+s")


class _Done(NamedTuple):
    cwd: str
    returncode: int
    stdout: str
    stderr: str


def _run(folder: Path, *extra: str) -> _Done:
    folder.mkdir()
    (folder / "short.feature").write_text(SHORT, encoding="utf-8")
    done = subprocess.run(drill_command("run", "short.feature", "--out", "runs", *extra),
                          cwd=folder, capture_output=True, text=True, timeout=180, check=False,
                          env=drill_env(), stdin=subprocess.DEVNULL)
    return _Done(str(folder), done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, _Done]:
    base = tmp_path_factory.mktemp("output")
    return {"quiet": _run(base / "quiet"), "verbose": _run(base / "verbose", "--verbose")}


def test_drill_run_prints_none_of_pytest_s_own_lines(runs):
    done = runs["quiet"]
    assert done.returncode == 1, done.stderr  # the scenario measured nothing: not met
    assert "phase revert" in done.stdout and "verdict error" in done.stdout
    assert not PYTEST_LINES.search(done.stdout + done.stderr), done.stdout
    assert not [line for line in done.stdout.splitlines() if line.startswith(".")]


def test_without_pytest_s_terminal_the_results_files_are_still_written(runs):
    folders = sorted(p for p in (Path(runs["quiet"].cwd) / "runs").glob("[!.]*") if p.is_dir())
    assert len(folders) == 1
    assert (folders[0] / "junit.xml").stat().st_size > 0
    assert (folders[0] / "cucumber.json").stat().st_size > 0


def test_verbose_shows_pytest_s_lines_too(runs):
    done = runs["verbose"]
    assert "generated json file" in done.stdout and re.search(r"1 passed in [\d.]+s", done.stdout)
    assert "phase revert" in done.stdout


def test_the_drill_s_summary_rounds_durations_for_people(signed_run):
    evidence = load_evidence(signed_run.run_dir / "evidence.json")
    assert evidence.rto_seconds is not None and evidence.rpo_seconds is not None
    line = (f"RTO {human_seconds(evidence.rto_seconds)} · RPO "
            f"{human_seconds(evidence.rpo_seconds)} · verdict {evidence.verdict}")
    assert line in signed_run.stdout, signed_run.stdout[-3000:]
    assert not PYTEST_LINES.search(signed_run.stdout), signed_run.stdout[-3000:]
    # evidence.json keeps the exact figure the rounding was made from.
    raw = (signed_run.run_dir / "evidence.json").read_text(encoding="utf-8")
    assert f'"rto_seconds": {evidence.rto_seconds}' in raw
