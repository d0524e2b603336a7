"""Deploy and teardown of the two StreamFlix stacks against the moto server."""

from __future__ import annotations

import logging

import pytest

from infra.core.errors import ConfigError, DeployError
from infra.deploy import deploy, teardown
from infra.deploy_inspect import inspect, leftovers

__all__: list[str] = []


def test_second_deploy_finds_everything_and_duplicates_nothing(clients, settings):
    first = deploy(settings, clients)
    second = deploy(settings, clients)
    assert second.created == (), f"second deploy created {second.created}"
    assert (second.primary, second.dr) == (first.primary, first.dr)
    cf = clients.client("cloudformation", settings.primary_region)
    assert len(cf.describe_stacks()["Stacks"]) == 1
    efs = clients.client("efs", settings.primary_region)
    configs = efs.describe_replication_configurations()["Replications"]
    assert len(configs) == 1, configs


def test_teardown_leaves_nothing_in_either_region(clients, settings):
    deploy(settings, clients)
    teardown(settings, clients)
    for region in leftovers(settings, clients):
        assert region.empty, region
    dr_ecs = clients.client("ecs", settings.dr_region)
    services = dr_ecs.describe_services(cluster=settings.dr_cluster,
                                        services=[settings.dr_service])["services"]
    assert [s["status"] for s in services if s["status"] == "ACTIVE"] == []


@pytest.mark.parametrize(
    "update",
    [{"environment_suffix": "Bad_Suffix"}, {"primary_region": "eu-west-9"},
     {"db_password": None}],
    ids=["bad-suffix", "unknown-region", "missing-password"],
)
def test_bad_settings_stop_before_any_request(clients, settings, update):
    from pydantic import SecretStr

    if "db_password" in update:
        update = {"db_password": SecretStr("")}
    sent = []
    clients.observe(sent.append)
    with pytest.raises(ConfigError):
        deploy(settings.model_copy(update=update), clients)
    assert sent == [], f"requests were sent: {sent}"


def test_password_never_leaves_the_deployer(clients, settings, caplog):
    secret = settings.db_password.get_secret_value()
    said = []
    # The deployer's own loggers; botocore's DEBUG wire log echoes request bodies of any
    # client and is off unless a caller turns it on.
    caplog.set_level(logging.DEBUG, logger="infra")
    caplog.set_level(logging.DEBUG, logger="drills")
    result = deploy(settings, clients, progress=said.append)
    found = inspect(settings, clients)
    teardown(settings, clients, progress=said.append)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("infra", "drills"))]
    assert ours, "the deployer logged nothing"
    text = "\n".join([repr(result), repr(found), *said, *ours])
    assert secret not in text


def test_stack_errors_keep_the_aws_code_and_hide_the_password(clients, settings):
    secret = settings.db_password.get_secret_value()
    cf = clients.client("cloudformation", settings.primary_region)
    cf.create_stack(StackName=settings.primary_stack, TemplateBody='{"Resources": {}}')
    with pytest.raises(DeployError) as info:
        deploy(settings, clients)
    assert secret not in str(info.value)
    assert info.value.stack == settings.primary_stack
