"""The run folder's contract: what the drill journals, reports read back, record for record."""

from __future__ import annotations

import re
from pathlib import Path

from drills.journal.runinfo import describe_run
from drills.journal.timeline import Timeline
from drills.settings.config import load_settings
from infra.core.clock import FakeClock
from reports import run_folder
from reports.run_folder import EVENT_KINDS, Measurement, RunFinished, RunStarted
from reports.sources import read_journal

DRILLS = Path(__file__).resolve().parents[2] / "drills"


def test_the_three_records_read_back_as_written(tmp_path):
    started = describe_run(load_settings(overrides={"seed": 7}), run_id="r1", scenario="s",
                           feature="f.feature", gherkin="Feature: f", objectives=(900.0, 5.0),
                           clock="virtual")
    measured = Measurement(rto_seconds=42.5, rpo_seconds=1.5, outage_start=10.0,
                           recovered_at=52.5, failed_probes=4, lost_markers=[7, 8],
                           served_region="us-east-1", rpo_by_store={"database": 1.5})
    finished = RunFinished(verdict="passed", passed=True, exit_code=0, reason="all met")
    with Timeline(tmp_path / run_folder.JOURNAL, FakeClock()) as timeline:
        for record in (started, measured, finished):
            timeline.write(record)
    journal = read_journal(tmp_path / run_folder.JOURNAL)
    assert [e["kind"] for e in journal.events] == ["run.started", "measurement", "run.finished"]
    assert RunStarted.from_event(journal.events[0]) == started
    assert Measurement.from_event(journal.events[1]) == measured
    assert RunFinished.from_event(journal.events[2]) == finished
    assert journal.events[0]["objectives"] == {"rto_seconds": 900.0, "rpo_seconds": 5.0}


def test_a_record_loads_from_an_older_or_newer_event():
    event = {"kind": "measurement", "seq": 3, "t": 1.0, "rto_seconds": 9.0, "added_later": 1}
    assert Measurement.from_event(event) == Measurement(rto_seconds=9.0)


def test_every_kind_the_drill_journals_is_a_kind_of_the_contract():
    literal = re.compile(r'\.record\(\s*"([a-z_.]+)"')
    journaled = {kind for path in DRILLS.rglob("*.py")
                 for kind in literal.findall(path.read_text(encoding="utf-8"))}
    assert len(journaled) > 25, "the scan found too few kinds: has the journal's API changed?"
    assert journaled <= EVENT_KINDS, f"not in reports/run_folder.py: {journaled - EVENT_KINDS}"
