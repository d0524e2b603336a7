"""The aws backend against an AWS-compatible endpoint (a moto server reached over HTTP).

boto3 finds the endpoint through ``AWS_ENDPOINT_URL``, as it would on a machine set up for
LocalStack or a rehearsal world: the backend's own code builds its clients exactly as it
does for a real account (profile or standard chain, no endpoint argument).
"""

from __future__ import annotations

import pytest

from drills.faults import FaultContext, default_registry
from drills.faults.fis_experiment import RUN_TAG, experiment_state
from drills.journal.timeline import Timeline
from drills.run.backends import AwsBackend, check_aws_target
from drills.safety.cleanup import cleanup_run
from drills.safety.cleanup_fis import fis_leftovers
from drills.settings.config import load_settings
from infra.core.clock import Clock
from infra.core.errors import ConfigError, SafetyRefusal
from infra.deploy import deploy

__all__: list[str] = []

_ROLE = "arn:aws:iam::123456789012:role/streamflix-fis"
_ALARM = "arn:aws:cloudwatch:eu-west-2:123456789012:alarm:streamflix-drill-stop"


@pytest.fixture
def aws_env(aws, monkeypatch):
    """The standard AWS_* variables pointing boto3 at the test's moto server."""
    for name, value in {"AWS_ENDPOINT_URL": aws.endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return aws


def _aws_settings(tmp_path, **extra):
    return load_settings(overrides={
        "backend": "aws", "allowed_accounts": ["123456789012"], "runs_dir": tmp_path / "runs",
        "fis_role_arn": _ROLE, "stop_alarm_arns": [_ALARM], "poll_interval_s": 0.05,
        "step_timeout_s": 20, **extra})


@pytest.fixture
def deployed(aws_env, clients, settings):
    """Both stacks deployed on the moto server, as a team deploys them before a drill."""
    return deploy(settings, clients)


def test_aws_backend_runs_at_one_x_unless_told_otherwise(tmp_path):
    assert _aws_settings(tmp_path).time_scale == 1.0
    assert _aws_settings(tmp_path, time_scale=30).time_scale == 30.0


def test_backend_finds_and_verifies_the_deployed_stacks_without_creating_any(
        deployed, clients, tmp_path):
    settings = _aws_settings(tmp_path)
    backend = AwsBackend(settings, Clock(), tmp_path)
    backend.start()
    found = backend.deploy()
    assert backend.account == "123456789012"
    assert found.created == ()
    assert (found.primary, found.dr) == (deployed.primary, deployed.dr)
    assert backend.resolve(found.dr.ALBDNSName) == f"http://{found.dr.ALBDNSName}"
    assert backend.ground_truth() is None
    # moto publishes no RDS metrics: no datapoint, which the preflight gate treats as unknown.
    assert backend.replica_lag_seconds() is None
    assert check_aws_target(settings) == "123456789012"


def test_missing_stacks_are_bad_input_before_anything_starts(aws_env, tmp_path):
    settings = _aws_settings(tmp_path, environment_suffix="nothere")
    with pytest.raises(ConfigError, match="stack 'streamflix-dr-primary-nothere' does not "
                                          "exist in eu-west-2"):
        check_aws_target(settings)


def test_account_not_allowlisted_is_refused(aws_env, tmp_path):
    settings = _aws_settings(tmp_path, allowed_accounts=["111122223333"])
    with pytest.raises(SafetyRefusal, match="not in allowed_accounts"):
        check_aws_target(settings)


def test_region_outage_runs_as_a_fis_experiment_and_its_revert_leaves_nothing(
        deployed, tmp_path):
    settings = _aws_settings(tmp_path)
    backend = AwsBackend(settings, Clock(), tmp_path)
    backend.start()
    backend.deploy()
    ctx = FaultContext(backend.clients, None, settings.primary_region, settings.dr_region)
    fault = backend.make_fault(default_registry(), "region-outage", ctx, "run-1")
    fis = backend.clients.client("fis", settings.primary_region)
    assert fis.list_experiment_templates()["experimentTemplates"] == []

    fault.inject()
    template = fis.get_experiment_template(id=fault.template_id)["experimentTemplate"]
    assert template["tags"][RUN_TAG] == "run-1"
    assert template["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": _ALARM}]
    assert experiment_state(fis, fault.experiment_id)[0] in {"running", "completed"}
    assert fault.is_active()  # its template is there until revert

    fault.revert()
    assert not fault.is_active()
    assert experiment_state(fis, fault.experiment_id)[0] in {"stopped", "completed"}
    assert fis.list_experiment_templates()["experimentTemplates"] == []
    fault.revert()  # safe when already reverted
    assert not fault.is_active()


def test_a_fault_fis_cannot_run_is_refused_by_name(deployed, tmp_path):
    settings = _aws_settings(tmp_path)
    backend = AwsBackend(settings, Clock(), tmp_path)
    backend.start()
    ctx = FaultContext(backend.clients, None, settings.primary_region, settings.dr_region)
    with pytest.raises(ConfigError, match="fault 'no-such-fault' has no FIS experiment"):
        backend.make_fault(default_registry(), "no-such-fault", ctx, "run-1")


def _killed_run(run_dir, settings):
    """The journal of a run killed (SIGKILL) right after its fault took hold."""
    run_dir.mkdir(parents=True)
    with Timeline(run_dir / "timeline.jsonl", Clock()) as journal:
        journal.record("run.started", run_id=run_dir.name, backend="aws",
                       regions={"primary": settings.primary_region, "dr": settings.dr_region})
        journal.record("fault.injecting", fault="region-outage", target=settings.primary_region)
        journal.record("fault.injected", fault="region-outage", target=settings.primary_region)


def test_cleanup_finishes_a_killed_runs_fis_experiment_from_its_journal(deployed, tmp_path):
    settings = _aws_settings(tmp_path)
    backend = AwsBackend(settings, Clock(), tmp_path)
    backend.start()
    run_dir = tmp_path / "runs" / "20261126T000000Z-region-loss-abc123"
    ctx = FaultContext(backend.clients, None, settings.primary_region, settings.dr_region)
    fault = backend.make_fault(default_registry(), "region-outage", ctx, run_dir.name)
    fault.inject()
    other = backend.make_fault(default_registry(), "region-outage", ctx, "another-run")
    other.inject()  # another run's experiment: cleanup must leave it alone
    _killed_run(run_dir, settings)
    assert fis_leftovers(backend.clients, ["eu-west-2"], run_dir.name)

    result = cleanup_run(run_dir, clients=lambda: backend.clients)
    assert result.resolved, result.outcomes
    [outcome] = result.outcomes
    assert outcome.record.state == "not_reverted"
    assert f"deleted FIS experiment template {fault.template_id}" in outcome.action
    assert fis_leftovers(backend.clients, ["eu-west-2", "us-east-1"], run_dir.name) == []
    assert not fault.is_active()
    assert other.is_active(), "cleanup touched another run's experiment"
    again = cleanup_run(run_dir, clients=lambda: backend.clients)
    assert again.already_done and again.resolved
    other.revert()
