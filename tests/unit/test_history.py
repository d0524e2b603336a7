"""History: runs listed oldest first with trends; bad folders skipped with a note."""

from __future__ import annotations

import dataclasses

import pytest

from reports import build_evidence, scan_runs, write_evidence, write_history
from tests.runfolder import build_run_folder

__all__: list[str] = []


def _published(root, name, *, started, rto, rpo):
    run = build_run_folder(root / name, run_id=name)
    ev = dataclasses.replace(build_evidence(run.path), started_at=started, rto_seconds=rto,
                             rpo_seconds=rpo)
    write_evidence(ev, run.path / "evidence.json")


@pytest.fixture
def runs_dir(tmp_path):
    root = tmp_path / "runs"
    _published(root, "b-second", started="2026-02-01T00:00:00+00:00", rto=500.0, rpo=4.0)
    _published(root, "a-first", started="2026-01-01T00:00:00+00:00", rto=600.0, rpo=2.0)
    _published(root, "c-third", started="2026-03-01T00:00:00+00:00", rto=500.0, rpo=None)
    (root / "broken").mkdir()
    (root / "broken" / "evidence.json").write_text('{"run_id": ')
    (root / "running").mkdir()
    return root


def test_runs_are_listed_oldest_first(runs_dir):
    assert [r.run_id for r in scan_runs(runs_dir).runs] == ["a-first", "b-second", "c-third"]


def test_trends_compare_with_the_previous_run(runs_dir):
    runs = scan_runs(runs_dir).runs
    assert [(r.rto_trend, r.rto_delta) for r in runs] == [
        ("first", None), ("better", -100.0), ("same", 0.0)]
    assert [r.rpo_trend for r in runs] == ["first", "worse", "n/a"]


def test_unreadable_and_unpublished_folders_are_skipped_with_a_reason(runs_dir):
    skipped = {s.path.name: s.reason for s in scan_runs(runs_dir).skipped}
    assert set(skipped) == {"broken", "running"}
    assert "unreadable" in skipped["broken"] and "no evidence.json" in skipped["running"]


def test_history_page_has_chart_table_and_notes(runs_dir, tmp_path):
    out = tmp_path / "site" / "history.html"
    scan = write_history(runs_dir, out)
    html = out.read_text()
    assert len(scan.runs) == 3
    assert 'id="trend-chart"' in html and "<svg" in html
    assert "c-third" in html and 'id="skipped"' in html


def test_missing_runs_dir_is_an_empty_history(tmp_path):
    scan = scan_runs(tmp_path / "nothing")
    assert (scan.runs, scan.skipped) == ((), ())
