"""The world's edge for AWS: every AWS name over HTTPS lands on the embedded AWS, nothing else.

A real moto server, the ``drill up`` proxy with a world CA, and real clients over loopback:
boto3 with no endpoint at all (as an aws CLI that ignores ``AWS_ENDPOINT_URL`` is) reaches
moto through ``https_proxy`` for any service and region, trusting only the world's CA; a
name outside AWS is refused by the proxy, and a client that does not trust the world's CA
cannot be fooled into thinking it talks to AWS.
"""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.config import Config

from infra.embedded.moto_server import MotoServer
from infra.embedded.proxy import AppProxy
from infra.embedded.world_ca import WorldCA

__all__: list[str] = []


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    ca = WorldCA()
    bundle = tmp_path_factory.mktemp("edge") / "aws-ca.pem"
    bundle.write_bytes(ca.cert_pem)

    def route(host):
        raise LookupError(f"{host!r} is no name of the stack")

    with MotoServer() as moto, AppProxy(route, aws_endpoint=moto.endpoint_url, ca=ca) as proxy:
        moto.reset()
        yield proxy.url, str(bundle)
    ca.close()


def _client(edge, service, region):
    url, bundle = edge
    return boto3.client(service, region_name=region, verify=bundle,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(proxies={"https": url}, retries={"max_attempts": 1}))


@pytest.mark.parametrize(("service", "region"), [
    ("rds", "us-east-1"),  # rds.amazonaws.com, where aws CLI v1 pins RDS in us-east-1
    ("cloudformation", "eu-west-2"), ("ecs", "ap-southeast-2"), ("route53", "us-east-1")])
def test_an_aws_name_over_https_is_answered_by_the_embedded_aws(edge, service, region):
    client = _client(edge, service, region)
    assert client.meta.endpoint_url.startswith("https://") and "amazonaws.com" in (
        client.meta.endpoint_url)
    sts = _client(edge, "sts", region)
    assert sts.get_caller_identity()["Account"] == "123456789012"  # moto's, not an account
    if service == "cloudformation":
        client.create_stack(StackName="edge", TemplateBody='{"Resources": {"T": {"Type": '
                            '"AWS::SNS::Topic"}}}')
        names = [s["StackName"] for s in client.list_stacks()["StackSummaries"]]
        assert names == ["edge"]


def test_a_name_outside_aws_is_refused_by_the_proxy(edge):
    url, bundle = edge
    with pytest.raises(requests.exceptions.ProxyError, match="403"):
        requests.get("https://example.com/", proxies={"https": url}, verify=bundle, timeout=10)


def test_a_client_that_trusts_only_the_public_cas_refuses_the_world(edge):
    url, _ = edge
    with pytest.raises(requests.exceptions.SSLError):
        requests.get("https://cloudformation.eu-west-2.amazonaws.com/", proxies={"https": url},
                     timeout=10)
