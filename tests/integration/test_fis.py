"""FIS experiment templates: rendered from the settings and accepted by FIS over HTTP."""

from __future__ import annotations

import pytest

from drills.faults.fis_templates import FIS_FAULTS, fis_template, iso_duration
from infra.core.errors import ConfigError

__all__: list[str] = []

_ROLE = "arn:aws:iam::123456789012:role/streamflix-fis"
_ALARM = "arn:aws:cloudwatch:eu-west-2:123456789012:alarm:streamflix-drill-stop"
_OPTIONS = {"region-outage": {}, "region-partition": {"seconds": 120},
            "az-loss": {"az": "eu-west-2a"}, "database-failure": {},
            "cache-node-failure": {"az": "eu-west-2b"}, "ecs-task-crash": {"count": 1}}


@pytest.fixture
def fis_settings(settings):
    return settings.model_copy(update={"fis_role_arn": _ROLE, "stop_alarm_arns": (_ALARM,)})


@pytest.mark.parametrize("fault", sorted(FIS_FAULTS), ids=sorted(FIS_FAULTS))
def test_rendered_template_is_accepted_and_stored_as_sent(clients, fis_settings, fault):
    template = fis_template(fault, fis_settings, **_OPTIONS[fault])
    request = template.to_request()
    fis = clients.client("fis", template.region)
    created = fis.create_experiment_template(**request)["experimentTemplate"]
    stored = fis.get_experiment_template(id=created["id"])["experimentTemplate"]
    assert stored["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": _ALARM}]
    assert stored["actions"] == request["actions"]
    assert stored["targets"] == request["targets"]
    assert (stored["roleArn"], stored["tags"]["Fault"]) == (_ROLE, fault)
    assert template.limitations, "every template says what FIS cannot do for it"


def test_region_outage_isolates_every_primary_subnet(fis_settings):
    request = fis_template("region-outage", fis_settings).to_request()
    assert request["actions"]["isolate-region-subnets"] == {
        "actionId": "aws:network:disrupt-connectivity",
        "description": f"deny all traffic in and out of every subnet of "
                       f"{fis_settings.primary_stack}",
        "parameters": {"scope": "all", "duration": "PT30M"},
        "targets": {"Subnets": "subnets"}}
    assert request["targets"]["subnets"]["resourceTags"] == {
        "aws:cloudformation:stack-name": fis_settings.primary_stack}


def test_az_loss_forces_the_database_failover(fis_settings):
    actions = fis_template("az-loss", fis_settings, az="eu-west-2a").to_request()["actions"]
    assert actions["fail-over-database"]["parameters"] == {"forceFailover": "true"}
    assert actions["isolate-az"]["parameters"]["scope"] == "availability-zone"


@pytest.mark.parametrize(("seconds", "iso"), [(60, "PT1M"), (61, "PT2M"), (1800, "PT30M")],
                         ids=["one-minute", "rounds-up", "default"])
def test_durations_are_iso_8601_minutes(seconds, iso):
    assert iso_duration(seconds) == iso


def test_without_role_or_alarm_it_is_a_config_error(settings):
    with pytest.raises(ConfigError, match=r"fis_role_arn .* stop_alarm_arns"):
        fis_template("region-outage", settings)


def test_unknown_fault_and_bad_options_are_config_errors(fis_settings):
    with pytest.raises(ConfigError, match="'disk-full' has no FIS experiment template"):
        fis_template("disk-full", fis_settings)
    with pytest.raises(ConfigError, match="bad options"):
        fis_template("az-loss", fis_settings)
    with pytest.raises(ConfigError, match="is the DR region"):
        fis_template("region-outage", fis_settings, region=fis_settings.dr_region)


def test_every_fault_has_a_template_or_says_why_fis_cannot_run_it():
    from drills.faults import default_registry
    from drills.faults.fis_templates import FIS_UNSUPPORTED

    assert set(FIS_FAULTS).isdisjoint(FIS_UNSUPPORTED)
    assert set(FIS_FAULTS) | set(FIS_UNSUPPORTED) == set(default_registry())


@pytest.mark.parametrize("fault", ["replication-lag", "dns-change-slow", "dns-change-failing"])
def test_a_fault_fis_cannot_run_is_refused_with_the_reason(fis_settings, fault):
    with pytest.raises(ConfigError, match=f"{fault!r} cannot run as a FIS experiment: FIS has no"):
        fis_template(fault, fis_settings)


def test_database_failure_is_a_forced_failover_reboot(fis_settings):
    request = fis_template("database-failure", fis_settings).to_request()
    assert request["actions"]["fail-over-database"]["actionId"] == "aws:rds:reboot-db-instances"
    assert request["actions"]["fail-over-database"]["parameters"] == {"forceFailover": "true"}
    assert request["targets"]["database"]["resourceType"] == "aws:rds:db"


def test_the_runner_may_create_templates_with_every_action_the_catalogue_uses(fis_settings):
    from infra.iam_policy import Policy

    statement = next(s for s in Policy.load().document["Statement"]
                     if s["Action"] == "fis:CreateExperimentTemplate")
    allowed = {r.split("action/", 1)[1] for r in statement["Resource"] if "action/" in r}
    used = {a.action_id for fault in FIS_FAULTS
            for a in fis_template(fault, fis_settings, **_OPTIONS[fault]).actions}
    assert used == allowed
