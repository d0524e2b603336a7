"""The moto extensions ``drill up`` relies on, through the real API: Route 53 record names,
and the hook that tells people's API calls from the drill's own."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.aws import TEST_CREDENTIALS
from infra.embedded.moto_ext import api_calls

__all__: list[str] = []

ZONE = "dev.example.com"


def _person(aws, service, region):
    """A client as a person's aws CLI makes it: no drill User-Agent, no retries."""
    return boto3.session.Session(**TEST_CREDENTIALS).client(
        service, region_name=region, endpoint_url=aws.endpoint_url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def _zone_stack(clients):
    cf = clients.client("cloudformation", "eu-west-2")
    body = {"Resources": {
        "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": ZONE}},
        "App": {"Type": "AWS::Route53::RecordSet", "Properties": {
            "HostedZoneId": {"Ref": "Zone"}, "Name": f"app.{ZONE}", "Type": "CNAME",
            "TTL": "60", "ResourceRecords": ["primary.elb.example.com"]}}},
        "Outputs": {"ZoneId": {"Value": {"Ref": "Zone"}}}}
    cf.create_stack(StackName="zone", TemplateBody=json.dumps(body))
    return cf.describe_stacks(StackName="zone")["Stacks"][0]["Outputs"][0]["OutputValue"]


def test_upsert_replaces_the_cname_a_stack_created(aws, clients):  # route53_names
    zone_id = _zone_stack(clients)
    route53 = clients.client("route53", "us-east-1")
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {
            "Name": f"app.{ZONE}", "Type": "CNAME", "TTL": 60,
            "ResourceRecords": [{"Value": "dr.elb.example.com"}]}}]})
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    cnames = [(r["Name"], r["ResourceRecords"][0]["Value"]) for r in records
              if r["Type"] == "CNAME"]
    assert cnames == [(f"app.{ZONE}.", "dr.elb.example.com")]


def test_a_zone_a_stack_created_is_found_by_name(aws, clients):  # route53_names
    zone_id = _zone_stack(clients)
    zones = clients.client("route53", "us-east-1").list_hosted_zones_by_name(DNSName=ZONE)
    assert [(z["Id"], z["Name"]) for z in zones["HostedZones"]] == [
        (f"/hostedzone/{zone_id}", f"{ZONE}.")]


class _Recorder:
    """An observer that refuses one region and keeps what it saw."""

    def __init__(self, lost=()):
        self.lost = set(lost)
        self.seen = []

    def admit(self, call):
        return "region lost" if call.region in self.lost else None

    def finished(self, call, outcome):
        self.seen.append((call.service, call.operation, call.region, outcome.status,
                          outcome.error_code))


@pytest.fixture
def recorder():
    observer = _Recorder(lost={"eu-west-2"})
    api_calls.observe(observer)
    yield observer
    api_calls.unobserve(observer)


def test_only_peoples_calls_are_reported_with_their_outcome(aws, clients, recorder):
    clients.client("rds", "us-east-1").describe_db_instances()  # the drill's own: not seen
    _person(aws, "rds", "us-east-1").describe_db_instances()
    with pytest.raises(ClientError) as missing:
        _person(aws, "ecs", "us-east-1").describe_services(cluster="nope", services=["x"])
    assert missing.value.response["Error"]["Code"] == "ClusterNotFoundException"
    assert recorder.seen == [
        ("rds", "DescribeDBInstances", "us-east-1", 200, None),
        ("ecs", "DescribeServices", "us-east-1", 400, "ClusterNotFoundException")]


@pytest.mark.parametrize("service, call", [
    ("cloudformation", lambda c: c.describe_stacks()),  # query protocol
    ("ecs", lambda c: c.list_clusters()),  # JSON protocol
], ids=["query", "json"])
def test_a_refused_call_fails_as_an_unreachable_endpoint(aws, recorder, service, call):
    with pytest.raises(ClientError) as refused:
        call(_person(aws, service, "eu-west-2"))
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ServiceUnavailable", 503)
    assert "region lost" in error["Error"]["Message"]
    assert recorder.seen[-1][2:] == ("eu-west-2", 503, "ServiceUnavailable")
