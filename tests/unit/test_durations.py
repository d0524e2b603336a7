"""Durations rounded for people in the report and the console; exact ones stay in evidence."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from reports import publish
from reports.durations import human_seconds
from reports.evidence import load_evidence, write_evidence
from reports.html import write_report
from tests.runfolder import build_run_folder

__all__: list[str] = []


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.100915, "0.1 s"), (0.0, "0 s"), (4.0, "4 s"), (9.94, "9.9 s"), (9.96, "10 s"),
    (42.4, "42 s"), (59.6, "1 min"), (60.0, "1 min"), (552.1304, "9 min 12 s"),
    (900.0, "15 min"), (3600.0, "1 h"), (3725.0, "1 h 2 min"), (-552.13, "-9 min 12 s"),
])
def test_human_seconds(seconds, shown):
    assert human_seconds(seconds) == shown


def test_the_report_shows_rounded_durations_and_evidence_keeps_exact_ones(tmp_path):
    run = build_run_folder(tmp_path / "run")
    publish(run.path)
    evidence_path = run.path / "evidence.json"
    evidence = load_evidence(evidence_path)
    exact = dataclasses.replace(
        evidence, rto_seconds=552.1304, rto=dataclasses.replace(evidence.rto,
                                                                achieved_seconds=552.1304),
        rto_split=dataclasses.replace(evidence.rto_split, decide_seconds=0.100915))
    write_evidence(exact, evidence_path)
    html = write_report(run.path).read_text(encoding="utf-8")
    shown = re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", html, flags=re.S))
    assert "9 min 12 s" in shown and "decide  0.1 s" in shown
    assert "552.13" not in shown and "0.100915" not in shown
    assert not re.findall(r"\d\.\d\d+ s\b", shown)  # nowhere a duration to the hundredth
    assert 'data-seconds="552.1304"' in html
    record = json.loads(evidence_path.read_text(encoding="utf-8"))
    assert record["rto_seconds"] == 552.1304
    assert record["rto_split"]["decide_seconds"] == 0.100915
