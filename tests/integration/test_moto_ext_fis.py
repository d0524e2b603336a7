"""FIS experiments against the embedded AWS: they run for their duration and act on it.

With a simulator active, a region-outage experiment (the aws backend's form of the fault)
takes the primary region's data plane down until it is stopped, stays ``running`` however
often it is read, and ends ``stopped``; RDS's ReplicaLag reaches CloudWatch every minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from drills.faults.fis_templates import fis_template
from infra.embedded.moto_ext.fis_experiments import action_duration_s
from tests.integration.simulator_stack import eventually

__all__: list[str] = []

_ROLE = "arn:aws:iam::123456789012:role/streamflix-fis"
_ALARM = "arn:aws:cloudwatch:eu-west-2:123456789012:alarm:streamflix-drill-stop"


def _state(fis, experiment_id: str) -> str:
    return fis.get_experiment(id=experiment_id)["experiment"]["state"]["status"]


def test_region_outage_experiment_holds_the_region_down_until_stopped(
        simulator, clients, sim_settings):
    settings = sim_settings.model_copy(update={"fis_role_arn": _ROLE,
                                               "stop_alarm_arns": (_ALARM,)})
    fis = clients.client("fis", settings.primary_region)
    template = fis.create_experiment_template(**fis_template("region-outage", settings)
                                              .to_request())["experimentTemplate"]
    experiment = fis.start_experiment(experimentTemplateId=template["id"])["experiment"]
    assert simulator.is_region_down(settings.primary_region)
    assert not simulator.is_region_down(settings.dr_region)
    states = [_state(fis, experiment["id"]) for _ in range(6)]
    assert states[-3:] == ["running"] * 3, states  # held for its duration, not completed

    fis.stop_experiment(id=experiment["id"])
    assert eventually(lambda: _state(fis, experiment["id"]) == "stopped")
    assert not simulator.is_region_down(settings.primary_region)


def test_experiment_durations_are_read_from_the_actions():
    assert action_duration_s({"a": {"parameters": {"duration": "PT30M"}},
                              "b": {"parameters": {"duration": "PT1H"}}}) == 3600.0
    assert action_duration_s({"a": {"parameters": {"forceFailover": "true"}}}) is None


def test_replica_lag_reaches_cloudwatch_as_rds_publishes_it(simulator, clients, sim_settings):
    cloudwatch = clients.client("cloudwatch", sim_settings.dr_region)
    now = datetime.now(UTC)

    def datapoints():
        return cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS", MetricName="ReplicaLag",
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": sim_settings.replica_id}],
            StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=10),
            Period=60, Statistics=["Maximum"])["Datapoints"]

    points = eventually(datapoints)
    assert points and all(0 <= p["Maximum"] <= 5 for p in points), points
