"""The broken-setup table (features/broken_dr/): run its examples and check each named its cause.

Each example breaks the deployed DR setup one way (``drills.faults.breakages``), then runs the
region-loss drill through ``drill run``, as an operator would. :func:`run_examples` runs a
share of the table's rows (a copy of the feature with only those rows, so two test modules
can split the table over the suite's two workers; :func:`table_tests` makes each module's
fixture and tests); :func:`check_named` asserts what the
issue asks of each row: the readiness audit reported the row's finding before the fault, the
drill failed (exit 1), and its verdict, ``evidence.json``, ``report.html`` and printed
summary all name the finding, with every fault reverted.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drills.audit.catalogue import BLOCKING
from drills.faults.breakages import BREAKAGES
from drills.journal.runinfo import PROJECT_ROOT
from tests.drillcli import DRILL_TIMEOUT_S, drill_command, drill_env

__all__ = ["FEATURE", "ROWS", "SEEN", "Outcome", "check_named", "run_examples", "table_tests"]

FEATURE = PROJECT_ROOT / "features" / "broken_dr" / "region_loss_on_a_broken_setup.feature"
_HEAD, _, _TABLE = FEATURE.read_text(encoding="utf-8").partition("    Examples:\n")
_LINES = _TABLE.strip("\n").splitlines()
# breakage -> finding, as the feature's Examples table states them.
ROWS: dict[str, str] = dict(
    tuple(cell.strip() for cell in line.strip().strip("|").split("|"))  # type: ignore[misc]
    for line in _LINES[1:])
# breakage -> what the drill's own failure says, before the likely cause: for a task that
# cannot start or be reached, what the failed runbook step reports from the data plane.
SEEN: dict[str, str] = {
    "dr-task-definition-deleted": "task definition streamflix-dr-dev:1 does not exist",
    "dr-image-in-primary-registry": "CannotPullContainerError",
    "dr-listener-deleted": "no listener of load balancer 'sfx-alb-dr-dev' forwards to",
    "dr-task-port-closed": "admits nothing from the load balancer",
    "app-record-ttl-too-long": "healthy probes served by us-east-1",
    "dr-kms-key-disabled": "inaccessible-encryption-credentials",
    "efs-replication-deleted": "efs: none of",
    "dr-cache-deleted": "runbook step 'verify-dr-health' failed",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One example's run: its folder, the journal's events, and the CLI's output."""

    breakage: str
    run_dir: Path
    events: list[dict]
    stdout: str


def run_examples(breakages: list[str], tmp: Path) -> tuple[int, dict[str, Outcome]]:
    """``drill run`` the feature with only these rows; the exit code and each row's run."""
    assert set(breakages) <= set(ROWS), f"not rows of {FEATURE.name}: {breakages}"
    rows = [line for line in _LINES[1:] if line.strip().strip("|").split("|")[0].strip()
            in breakages]
    feature = tmp / FEATURE.name
    feature.write_text(_HEAD + "    Examples:\n" + "\n".join([_LINES[0], *rows]) + "\n",
                       encoding="utf-8")
    runs = tmp / "runs"
    done = subprocess.run(
        drill_command("run", str(feature), "--out", str(runs), "--seed", "7"),
        cwd=tmp, env=drill_env(), capture_output=True, text=True, check=False,
        timeout=DRILL_TIMEOUT_S * 2)
    found: dict[str, Outcome] = {}
    for run_dir in sorted(p for p in runs.glob("[!.]*") if p.is_dir()):
        events = [json.loads(x) for x in (run_dir / "timeline.jsonl").read_text().splitlines()]
        [broken] = [e["breakage"] for e in events if e["kind"] == "dr.broken"]
        found[broken] = Outcome(broken, run_dir, events, done.stdout)
    assert sorted(found) == sorted(breakages), (
        f"expected one run per row {sorted(breakages)}, got {sorted(found)}; exit "
        f"{done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.returncode, found


def check_named(outcome: Outcome) -> None:
    """The row's finding was reported before the fault, and the failed drill names it."""
    finding = ROWS[outcome.breakage]
    assert BREAKAGES[outcome.breakage].finding == finding, "feature and catalogue disagree"
    kinds = [e["kind"] for e in outcome.events]
    [audit] = [e for e in outcome.events if e["kind"] == "readiness.audit"]
    blocking = {f["id"] for f in audit["findings"] if f["severity"] in BLOCKING}
    assert finding in blocking, f"{outcome.breakage}: the audit before the fault found {blocking}"
    assert kinds.index("readiness.audit") < kinds.index("fault.injected"), kinds
    assert all(e["verified"] for e in outcome.events if e["kind"] == "fault.reverted")
    assert kinds.count("fault.reverted") == kinds.count("fault.injected") == 1
    [end] = [e for e in outcome.events if e["kind"] == "run.finished"]
    assert (end["verdict"], end["exit_code"]) == ("failed", 1), end
    assert f"likely cause, found by the readiness audit before the fault: {finding}" \
        in end["reason"], end["reason"]
    evidence = json.loads((outcome.run_dir / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["verdict"] == "failed" and finding in evidence["verdict_reason"]
    assert {"id": finding, "source": "audit"}.items() <= next(
        f for f in evidence["findings"] if f["id"] == finding).items()
    report = (outcome.run_dir / "report.html").read_text(encoding="utf-8")
    assert finding in report, f"{finding} not in {outcome.run_dir / 'report.html'}"
    printed = " ".join(outcome.stdout.split())  # the summary wraps long lines
    assert f"{finding}:" in printed, f"{finding} not in the printed summary"


def table_tests(rows: list[str], folder: str, reason_starts: str = "") -> tuple[Any, ...]:
    """A test module's share of the table, ``rows``: its ``table`` fixture and its two tests.

    Each row's drill fails saying what :data:`SEEN` has for it, in a reason that starts with
    ``reason_starts``. The module binds the three to the names ``table``,
    ``test_the_feature_run_fails`` and ``test_the_drill_fails_naming_the_cause``.
    """
    seen = {row: SEEN[row] for row in rows}

    @pytest.fixture(scope="module")
    def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Outcome]]:
        """One ``drill run`` of these rows of the feature."""
        return run_examples(list(seen), tmp_path_factory.mktemp(folder))

    def test_the_feature_run_fails(table: tuple[int, dict[str, Outcome]]) -> None:
        code, _runs = table
        assert code == 1

    @pytest.mark.parametrize("breakage", list(seen))
    def test_the_drill_fails_naming_the_cause(table: tuple[int, dict[str, Outcome]],
                                              breakage: str) -> None:
        _code, runs = table
        check_named(runs[breakage])
        [end] = [e for e in runs[breakage].events if e["kind"] == "run.finished"]
        assert end["reason"].startswith(reason_starts), end["reason"]
        assert seen[breakage] in end["reason"], end["reason"]

    return table, test_the_feature_run_fails, test_the_drill_fails_naming_the_cause
