"""Step definitions for deploying and tearing down the warm standby (features/deploy.feature)."""

from __future__ import annotations

import re
from dataclasses import fields

from pytest_bdd import given, parsers, then, when

from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.deploy import Deployment, deploy, teardown
from infra.deploy_inspect import Inspection, inspect, leftovers

__all__: list[str] = []

_ARN = re.compile(r"^arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$")


@given("the StreamFlix warm standby is deployed", target_fixture="deployment")
def _(clients: ClientFactory, settings: Settings) -> Deployment:
    return deploy(settings, clients)


@then("both stacks are complete", target_fixture="inspection")
def _(clients: ClientFactory, settings: Settings) -> Inspection:
    found = inspect(settings, clients)
    states = (found.primary_status, found.dr_status)
    assert states == ("CREATE_COMPLETE", "CREATE_COMPLETE"), f"stacks are {states}"
    assert not found.incomplete_resources, f"incomplete: {found.incomplete_resources}"
    return found


@then("every output of the deployment guide is present")
def _(deployment: Deployment) -> None:
    values = [getattr(o, f.name) for o in (deployment.primary, deployment.dr) for f in fields(o)]
    assert all(values), f"empty outputs in {deployment}"
    keys = (deployment.primary.KMSKeyId, deployment.dr.KMSKeyId)
    assert all(_ARN.match(k) for k in keys), f"KMSKeyId {keys} are not key ARNs"
    assert deployment.primary.EFSFileSystemId.startswith("fs-"), deployment.primary


@then("the DR database replicates from the primary database")
def _(inspection: Inspection, deployment: Deployment) -> None:
    got = (inspection.replica_status, inspection.replica_source)
    assert got == ("available", deployment.primary_rds_arn), (
        f"{got} != available from {deployment.primary_rds_arn}")


@then("the file system replicates to the DR region")
def _(inspection: Inspection, deployment: Deployment, settings: Settings) -> None:
    expected = ((deployment.dr.EFSFileSystemId, settings.dr_region),)
    assert inspection.replication_destinations == expected, (
        f"{inspection.replication_destinations} != {expected}")


@then("data is encrypted at rest and in transit")
def _(inspection: Inspection) -> None:
    flags = (inspection.rds_encrypted, inspection.efs_encrypted,
             inspection.cache_encrypted_at_rest, inspection.cache_encrypted_in_transit)
    assert all(flags), f"rds, efs, cache-at-rest, cache-in-transit = {flags}"


@then(parsers.parse("the DR service runs {dr:d} tasks and the primary {primary:d}"))
def _(inspection: Inspection, dr: int, primary: int) -> None:
    got = (inspection.dr_desired_count, inspection.primary_desired_count)
    assert got == (dr, primary), f"desired (DR, primary) {got} != {(dr, primary)}"


@then(parsers.parse("application logs are kept for {days:d} days in both regions"))
def _(inspection: Inspection, days: int) -> None:
    assert inspection.log_retention_days == (days, days), (
        f"{inspection.log_retention_days} != {days}")


@then("both stacks carry the deployment guide's tags")
def _(inspection: Inspection, settings: Settings) -> None:
    common = (("Application", "StreamFlix"), ("CostCenter", "Media"))
    for tags, env in ((inspection.primary_tags, settings.environment_suffix),
                      (inspection.dr_tags, f"{settings.environment_suffix}-dr")):
        expected = tuple(sorted((*common, ("Environment", env))))
        assert tags == expected, f"tags {tags} != {expected}"


@when("the StreamFlix warm standby is torn down")
def _(clients: ClientFactory, settings: Settings) -> None:
    teardown(settings, clients)


@then("nothing of it is left in either region")
def _(clients: ClientFactory, settings: Settings) -> None:
    left = leftovers(settings, clients)
    assert all(region.empty for region in left), f"left behind: {left}"
