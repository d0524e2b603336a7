"""metrics.prom parsed back: exact values, labels, absent metrics for unmeasured runs."""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from reports import build_evidence, publish, write_metrics
from reports.metrics import registry_for
from tests.runfolder import build_run_folder

__all__: list[str] = []

LABELS = {"scenario": "Primary region lost, RTO under 15 minutes", "environment": "dev",
          "backend": "embedded"}


def _samples(path):
    return {s.name: s for fam in text_string_to_metric_families(path.read_text())
            for s in fam.samples if s.name != "dr_drill_phase_duration_seconds"}


@pytest.fixture
def run(tmp_path):
    return build_run_folder(tmp_path / "run")


def test_rto_and_rpo_flow_into_metrics_exactly(run):
    samples = _samples(publish(run.path).metrics)
    assert samples["dr_drill_rto_seconds"].value == run.rto_seconds
    assert samples["dr_drill_rpo_seconds"].value == run.rpo_seconds
    assert samples["dr_drill_success"].value == 1.0
    assert samples["dr_drill_rto_seconds"].labels == LABELS


def test_the_objectives_are_exported_beside_the_measures(tmp_path):
    run = build_run_folder(tmp_path / "run", rto_objective=500.0)
    samples = _samples(publish(run.path).metrics)
    assert samples["dr_drill_rto_objective_seconds"].value == 500.0
    assert samples["dr_drill_rpo_objective_seconds"].value == 5.0
    assert samples["dr_drill_rto_objective_seconds"].labels == LABELS


def test_metrics_show_the_rounded_numbers_evidence_json_shows(run):
    # The drill journals raw floats; evidence.json keeps 6 digits, and metrics must agree.
    journal = run.path / "timeline.jsonl"
    raw = '"rto_seconds": 460.0000004, "rpo_seconds": 4.0000004'
    text = journal.read_text().replace('"rto_seconds": 460.0, "rpo_seconds": 4.0', raw, 1)
    assert raw in text
    journal.write_text(text)
    result = publish(run.path)
    evidence = json.loads(result.evidence.read_text())
    samples = _samples(result.metrics)
    assert (samples["dr_drill_rto_seconds"].value, samples["dr_drill_rpo_seconds"].value) == (
        evidence["rto_seconds"], evidence["rpo_seconds"]) == (460.0, 4.0)


def test_last_run_timestamp_is_the_finish_time(run):
    samples = _samples(publish(run.path).metrics)
    assert samples["dr_drill_last_run_timestamp_seconds"].value == pytest.approx(
        1773480610.75)


def test_phase_durations_are_labelled_by_phase(run):
    text = publish(run.path).metrics.read_text()
    phases = {s.labels["phase"]: s.value for fam in text_string_to_metric_families(text)
              for s in fam.samples if s.name == "dr_drill_phase_duration_seconds"}
    assert phases == {"deploy": 59.5, "baseline": 60.0, "fault": 0.0, "failover": 480.0,
                      "revert": 40.0}


def test_environment_override_becomes_the_label(run, tmp_path):
    path = write_metrics(build_evidence(run.path), tmp_path / "m.prom", environment="staging")
    assert _samples(path)["dr_drill_success"].labels["environment"] == "staging"


def test_failed_run_exports_success_zero(tmp_path):
    run = build_run_folder(tmp_path / "run", rto_objective=400.0)
    assert _samples(publish(run.path).metrics)["dr_drill_success"].value == 0.0


def test_unmeasured_rto_is_absent_not_zero(tmp_path):
    run = build_run_folder(tmp_path / "run", finished=False)
    samples = _samples(publish(run.path).metrics)
    assert "dr_drill_rto_seconds" not in samples and "dr_drill_rpo_seconds" not in samples
    assert samples["dr_drill_success"].value == 0.0


def test_own_registry_never_touches_the_global_one(run):
    registry = registry_for(build_evidence(run.path))
    assert registry.get_sample_value("dr_drill_rto_seconds", LABELS) == run.rto_seconds
    assert REGISTRY.get_sample_value("dr_drill_rto_seconds", LABELS) is None
