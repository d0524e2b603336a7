"""Actions moto lacks answer as AWS answers an unknown action (actions_unknown), Route 53
TestDNSAnswer answers from the zone (route53_dns_answer), and people's calls of either kind
reach the observer that journals them (api_calls)."""

from __future__ import annotations

import boto3
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.aws import TEST_CREDENTIALS
from infra.embedded.moto_ext import api_calls

__all__: list[str] = []


def _person(aws, service, region="us-east-1"):
    """A client as a person's aws CLI makes it: no drill User-Agent, no retries."""
    return boto3.session.Session(**TEST_CREDENTIALS).client(
        service, region_name=region, endpoint_url=aws.endpoint_url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


class _Seen:
    """An observer that admits every call and keeps how each ended."""

    def __init__(self):
        self.calls = []

    def admit(self, call):
        return None

    def finished(self, call, outcome):
        self.calls.append((call.service, call.operation, outcome.status, outcome.error_code))


@pytest.fixture
def seen():
    observer = _Seen()
    api_calls.observe(observer)
    yield observer
    api_calls.unobserve(observer)


@pytest.mark.parametrize("service, operation, kwargs, code", [
    ("elasticache", "DescribeServerlessCaches", {}, "InvalidAction"),  # query protocol
    ("ec2", "DescribeCapacityBlockOfferings", {"CapacityDurationHours": 24,
     "InstanceType": "p5.48xlarge", "InstanceCount": 1}, "InvalidAction"),  # EC2 protocol
    ("ecs", "ListServiceDeployments", {"service": "s"}, "UnknownOperationException"),  # JSON
], ids=["query", "ec2", "json"])
def test_an_action_moto_lacks_is_an_unknown_action(aws, seen, service, operation, kwargs, code):
    client = _person(aws, service)
    with pytest.raises(ClientError) as refused:
        getattr(client, xform_name(operation))(**kwargs)
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, 400)
    assert error["Error"]["Message"] == f"The action {operation} is not valid for this web service."
    assert seen.calls == [(service, operation, 400, code)]


def test_test_dns_answer_reads_the_zone(aws, seen):
    r53 = _person(aws, "route53")
    zone = r53.create_hosted_zone(Name="dev.example.com", CallerReference="z")["HostedZone"]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": "app.dev.example.com", "Type": "CNAME", "TTL": 60,
            "ResourceRecords": [{"Value": "primary.elb.example.com"}]}}]})
    answer = r53.test_dns_answer(HostedZoneId=zone["Id"], RecordName="app.dev.example.com",
                                 RecordType="CNAME")
    assert (answer["ResponseCode"], answer["RecordData"], answer["Protocol"]) == (
        "NOERROR", ["primary.elb.example.com"], "UDP")
    other_type = r53.test_dns_answer(HostedZoneId=zone["Id"], RecordName="app.dev.example.com",
                                     RecordType="A")
    assert (other_type["ResponseCode"], other_type["RecordData"]) == ("NOERROR", [])
    missing = r53.test_dns_answer(HostedZoneId=zone["Id"], RecordName="no.dev.example.com",
                                  RecordType="CNAME")
    assert (missing["ResponseCode"], missing["RecordData"]) == ("NXDOMAIN", [])
    with pytest.raises(ClientError) as unknown_zone:
        r53.test_dns_answer(HostedZoneId="Z0NOSUCHZONE", RecordName="a.b", RecordType="A")
    assert unknown_zone.value.response["Error"]["Code"] == "NoSuchHostedZone"
    assert [c for c in seen.calls if c[1] == "TestDNSAnswer"] == [
        ("route53", "TestDNSAnswer", 200, None)] * 3 + [
        ("route53", "TestDNSAnswer", 404, "NoSuchHostedZone")]
