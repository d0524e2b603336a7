"""Evidence built from a synthetic run folder: exact values, partial runs, idempotency."""

from __future__ import annotations

import json

import pytest

from reports import build_evidence, load_evidence, publish
from reports.evidence import evidence_json
from reports.records import NOT_RECORDED
from tests.runfolder import build_run_folder

__all__: list[str] = []

SECRET = "Df1-hunter2-very-secret"


@pytest.fixture
def run(tmp_path):
    return build_run_folder(tmp_path / "run")


def test_required_top_level_keys_carry_the_measured_values(run):
    doc = json.loads(evidence_json(build_evidence(run.path)))
    assert doc["run_id"] == run.run_id
    assert (doc["rto_seconds"], doc["rpo_seconds"]) == (run.rto_seconds, run.rpo_seconds)
    assert doc["objectives"] == {"rto_seconds": 900.0, "rpo_seconds": 5.0}
    assert (doc["passed"], doc["verdict"], doc["backend"]) == (True, "passed", "embedded")
    assert doc["probe_interval_seconds"] == 10.0
    assert doc["started_at"] == "2026-03-14T09:30:00+00:00"
    assert doc["finished_at"].startswith("2026-03-14T09:30:10")
    assert doc["schema_version"] == "1.0"


def test_each_objective_is_assessed_separately(run):
    ev = build_evidence(run.path)
    assert (ev.rto.met, ev.rto.margin_seconds) == (True, 440.0)
    assert (ev.rpo.met, ev.rpo.margin_seconds) == (True, 1.0)


def test_phases_have_iso_times_offsets_and_status(run):
    phases = build_evidence(run.path).phases
    assert [p.name for p in phases] == ["deploy", "baseline", "fault", "failover", "revert"]
    failover = phases[3]
    assert (failover.start_offset_s, failover.end_offset_s, failover.duration_seconds) == (
        120.0, 600.0, 480.0)
    assert failover.start == "2026-03-14T09:30:02+00:00"
    assert {p.status for p in phases} == {"ok"}


def test_rto_split_steps_faults_and_lost_markers(run):
    ev = build_evidence(run.path)
    assert (ev.rto_split.detect_seconds, ev.rto_split.decide_seconds,
            ev.rto_split.execute_seconds) == (30.0, 0.0, 430.0)
    first = ev.runbook[0]
    assert (first.step, first.duration_seconds, first.status) == ("promote_replica", 240.0, "ok")
    assert [(f.fault, f.status, f.verified) for f in ev.faults] == [
        ("region-loss", "reverted", True)]
    assert ev.lost_markers == run.lost_markers
    assert ev.outage_declared_by == "route53-health-check"


def test_ground_truth_and_measurement_error(run):
    gt = build_evidence(run.path).ground_truth
    assert (gt.rto_seconds, gt.rpo_seconds) == (455.2, 3.1)
    assert gt.rto_error_seconds == pytest.approx(4.8)
    assert gt.rpo_error_seconds == pytest.approx(0.9)


def test_scope_provenance_and_scenario_text(run):
    ev = build_evidence(run.path)
    assert (ev.scope.account, ev.scope.regions.primary, ev.scope.regions.dr) == (
        "embedded", "eu-west-2", "us-east-1")
    assert ev.scope.stacks.dr == "streamflix-dr-secondary-dev"
    assert "Scenario: Primary region lost" in ev.test.gherkin
    assert (ev.provenance.operator, ev.provenance.git_commit) == ("sre-oncall", "51d0a66")
    assert ev.time_scale == 60.0


def test_fields_the_drill_cannot_know_are_marked_as_placeholders(run):
    gov = build_evidence(run.path).governance
    assert gov.participants == gov.approval == gov.sign_off == gov.retention == NOT_RECORDED


def test_findings_include_journal_and_derived(run):
    ids = [f.id for f in build_evidence(run.path).findings]
    assert ids[0] == "dns-ttl"
    assert "markers-lost" in ids and "slowest-step.promote_replica" in ids


def test_missed_objective_fails_with_a_critical_finding(tmp_path):
    run = build_run_folder(tmp_path / "run", rto_objective=400.0)
    ev = build_evidence(run.path)
    assert (ev.verdict, ev.passed, ev.rto.met) == ("failed", False, False)
    assert any(f.id == "rto-missed" and f.severity == "critical" for f in ev.findings)


def test_killed_run_yields_incomplete_evidence(tmp_path):
    run = build_run_folder(tmp_path / "run", finished=False)
    ev = build_evidence(run.path)
    assert (ev.verdict, ev.passed, ev.finished_at, ev.rto_seconds) == (
        "incomplete", False, None, None)
    assert ev.faults[0].status == "still_active"
    assert {"run-incomplete", "not-reverted.region-loss"} <= {f.id for f in ev.findings}


def test_torn_last_journal_line_is_skipped(tmp_path):
    run = build_run_folder(tmp_path / "run", finished=False, torn=True)
    ev = build_evidence(run.path)
    assert ev.provenance.journal_skipped_lines == 1
    assert ev.verdict == "incomplete"
    assert [p.name for p in ev.phases][-1] == "failover"


def test_building_twice_gives_identical_json(run):
    assert evidence_json(build_evidence(run.path)) == evidence_json(build_evidence(run.path))


def test_publishing_twice_gives_identical_artifacts(run):
    names = ("evidence.json", "report.html", "metrics.prom", "MANIFEST.sha256")
    publish(run.path, signing_key=b"k")
    first = {n: (run.path / n).read_bytes() for n in names}
    publish(run.path, signing_key=b"k")
    assert {n: (run.path / n).read_bytes() for n in names} == first


def test_evidence_round_trips_through_json(run):
    result = publish(run.path)
    assert load_evidence(result.evidence) == build_evidence(run.path)


def test_secret_looking_fields_are_masked(tmp_path):
    run = build_run_folder(tmp_path / "run")
    journal = run.path / "timeline.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    event = {"seq": 99, "t": 5.0, "wall": "2026-03-14T09:30:00+00:00", "kind": "deploy.params",
             "db_password": SECRET, "db_username": "admin"}
    journal.write_text("".join([*lines[:3], json.dumps(event) + "\n", *lines[3:]]))
    publish(run.path)
    for name in ("evidence.json", "report.html", "metrics.prom"):
        assert SECRET not in (run.path / name).read_text(), name
    assert "db_username" in (run.path / "evidence.json").read_text()


def test_report_is_self_contained_with_stable_ids(run):
    html = (publish(run.path).report).read_text()
    for element_id in ('id="verdict"', 'id="rto"', 'id="rpo"', 'id="timeline-chart"'):
        assert element_id in html
    assert 'data-seconds="460.0"' in html and "<svg" in html
    for remote in ("<script src", "<link", "@import", "url(http", 'src="http'):
        assert remote not in html
