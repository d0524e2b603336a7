"""The target guard against the moto server: account, environment tags, production, gate."""

from __future__ import annotations

import json

import pytest

from drills.safety.target_guard import TargetGuard, is_production
from infra.core.errors import SafetyRefusal

__all__: list[str] = []

_TEMPLATE = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})


def _stack(clients, region, name, **tags):
    clients.client("cloudformation", region).create_stack(
        StackName=name, TemplateBody=_TEMPLATE,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def _both_stacks(clients, settings, primary_env=None, dr_env=None, **extra):
    suffix = settings.environment_suffix
    _stack(clients, settings.primary_region, settings.primary_stack,
           Environment=primary_env or suffix, **extra)
    _stack(clients, settings.dr_region, settings.dr_stack,
           Environment=dr_env or f"{suffix}-dr", **extra)


def _refusal(guard, clients) -> SafetyRefusal:
    with pytest.raises(SafetyRefusal) as info:
        guard.check(clients)
    assert info.value.exit_code == 3
    return info.value


def test_guard_passes_on_the_embedded_account_with_the_expected_tags(clients, settings):
    _both_stacks(clients, settings)
    report = TargetGuard(settings).check(clients)
    assert report.account == "123456789012"
    assert report.notes == ()


def test_absent_stacks_pass_with_a_note(clients, settings):
    report = TargetGuard(settings).check(clients)
    assert len(report.notes) == 2 and all("does not exist" in n for n in report.notes)


def test_an_account_outside_the_allowlist_is_refused(clients, settings):
    guard = TargetGuard(settings.model_copy(update={"allowed_accounts": ("111122223333",)}))
    refusal = _refusal(guard, clients)
    assert refusal.reasons == ("account '123456789012' is not in allowed_accounts "
                               "['111122223333']",)
    assert not guard.passed


def test_every_reason_is_listed_at_once(clients, settings):
    _both_stacks(clients, settings, primary_env="staging", dr_env="prod-dr")
    guard = TargetGuard(settings.model_copy(update={"allowed_accounts": ("111122223333",)}))
    reasons = _refusal(guard, clients).reasons
    assert len(reasons) == 4, reasons
    assert "not in allowed_accounts" in reasons[0]
    assert f"stack {settings.primary_stack!r} has Environment='staging'" in reasons[1]
    assert f"stack {settings.dr_stack!r} has Environment='prod-dr'" in reasons[2]
    assert f"stack {settings.dr_stack!r} is tagged as production" in reasons[3]


@pytest.mark.parametrize("tags", [{"Environment": "Production"}, {"Environment": "prod-dr"},
                                  {"DrillProtection": "production"}],
                         ids=["environment-production", "environment-prod-dr", "protection-tag"])
def test_production_rule(tags):
    assert is_production(tags)
    assert not is_production({"Environment": "staging-dr", "DrillProtection": "none"})


def test_a_protected_replica_is_refused_unless_production_is_allowed(clients, settings):
    _both_stacks(clients, settings)
    clients.client("rds", settings.dr_region).create_db_instance(
        DBInstanceIdentifier=settings.replica_id, DBInstanceClass="db.t3.micro",
        Engine="mysql", MasterUsername="admin", MasterUserPassword="Passw0rd-x",
        AllocatedStorage=20, Tags=[{"Key": "DrillProtection", "Value": "production"}])
    reasons = _refusal(TargetGuard(settings), clients).reasons
    assert reasons == (f"database {settings.replica_id!r} is tagged as production (set "
                       "allow_production only for a sanctioned production game day)",)
    report = TargetGuard(settings.model_copy(update={"allow_production": True})).check(clients)
    assert report.notes == (f"database {settings.replica_id!r} is production; allowed by "
                            "allow_production",)


def test_a_production_suffix_is_refused_before_any_stack_exists(clients, settings):
    guard = TargetGuard(settings.model_copy(update={"environment_suffix": "prod"}))
    assert _refusal(guard, clients).reasons == (
        "environment suffix 'prod' is tagged as production (set allow_production only for a "
        "sanctioned production game day)",)


def test_the_gate_refuses_a_mutating_call_before_it_is_sent(clients, settings):
    guard = TargetGuard(settings)
    sent = []
    clients.observe(guard.gate)
    clients.observe(sent.append)
    cf = clients.client("cloudformation", settings.primary_region)
    with pytest.raises(SafetyRefusal, match="cloudformation:CreateStack"):
        cf.create_stack(StackName=settings.primary_stack, TemplateBody=_TEMPLATE)
    assert sent == [], "the refused call reached the next observer"
    assert cf.describe_stacks()["Stacks"] == []
    guard.check(clients)
    cf.create_stack(StackName=settings.primary_stack, TemplateBody=_TEMPLATE)
    assert [st["StackName"] for st in cf.describe_stacks()["Stacks"]] == [settings.primary_stack]


def test_after_passing_the_gate_still_refuses_other_regions(clients, settings):
    guard = TargetGuard(settings)
    clients.observe(guard.gate)
    guard.check(clients)
    sqs = clients.client("sqs", "ap-south-1")
    with pytest.raises(SafetyRefusal, match="acts only in eu-west-2 and us-east-1"):
        sqs.create_queue(QueueName="elsewhere")
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_tags_that_cannot_be_read_refuse_rather_than_pass(clients, settings):
    # The DR region's API is unreachable: nothing proves its replica or service is not
    # production, so the guard must refuse instead of letting the error escape or pass.
    clients.lose_region(settings.dr_region)
    refusal = _refusal(TargetGuard(settings), clients)
    unread = [r for r in refusal.reasons if r.startswith("could not read the tags of")]
    assert [r.split(":")[0] for r in unread] == [
        f"could not read the tags of database {settings.replica_id!r}",
        f"could not read the tags of ECS service {settings.dr_service!r}"]
