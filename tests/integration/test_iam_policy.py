"""The drill-runner IAM policy against every AWS call a region-loss drill really makes.

One embedded region-loss drill runs (the phases in the order of steps/drill_steps.py) with
a client-factory observer that records each call before it is sent. The runbook's steps are
wrapped to mark where each begins and ends, so each step's real calls can be compared with
the ``calls`` it declares.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from drills.run.scenario import region_loss
from drills.runbooks.failover import failover_steps
from drills.settings.config import load_settings
from infra.iam_policy import RUNNER_POLICY, Policy, audit, iam_action

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

_MARK = "#"  # service name of the step markers in the recorded calls


def _marked(step, calls):
    def action(ctx):
        calls.append((_MARK, "start", step.name))
        step.action(ctx)
        calls.append((_MARK, "end", step.name))
    return dataclasses.replace(step, action=action)


@pytest.fixture(scope="module")
def drill_calls(tmp_path_factory):
    """Every (service, operation, region) one embedded region-loss drill sent, in order."""
    calls: list[tuple[str, str, str]] = []
    settings = load_settings(overrides={"runs_dir": tmp_path_factory.mktemp("runs"),
                                        "time_scale": 200, "seed": 7})
    runbook = tuple(_marked(step, calls) for step in failover_steps(settings.dr_region))
    drill = region_loss(settings, runbook=runbook, observers=(calls.append,))
    assert drill.result is not None, "the drill did not get as far as measuring; see its journal"
    return calls


def _api_calls(calls):
    return [c for c in calls if c[0] != _MARK]


def _without(action: str) -> Policy:
    """The runner policy with ``action`` taken out of every statement that lists it."""
    document = json.loads(RUNNER_POLICY.read_text(encoding="utf-8"))
    kept = []
    for statement in document["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        left = [a for a in actions if a != action]
        if left:
            kept.append({**statement, "Action": left})
    assert len(kept) < len(document["Statement"]) or kept != document["Statement"], action
    return Policy.from_document({**document, "Statement": kept})


def test_every_call_of_a_region_loss_drill_is_allowed_by_the_policy(drill_calls):
    calls = _api_calls(drill_calls)
    operations = {op for _service, op, _region in calls}
    # The drill really deployed, injected and failed over: the audit saw the writes.
    assert {"CreateStack", "CreateReplicationConfiguration", "PromoteReadReplica",
            "UpdateService", "ChangeResourceRecordSets"} <= operations, sorted(operations)
    denied = audit(calls, Policy.load())
    assert denied == (), (f"{len(denied)} of {len(set(calls))} distinct calls are not allowed "
                          f"by {RUNNER_POLICY.name}: {denied}")


@pytest.mark.parametrize("action", [
    "rds:PromoteReadReplica",
    "elasticfilesystem:CreateReplicationConfiguration",
    "elasticloadbalancing:DescribeLoadBalancers",
], ids=["runbook-write", "efs-prefix", "elbv2-prefix"])
def test_the_audit_reports_an_action_missing_from_the_policy(drill_calls, action):
    assert audit(_api_calls(drill_calls), _without(action)) == (action,)


def test_each_runbook_step_declares_exactly_the_calls_it_makes(drill_calls):
    for step in failover_steps("us-east-1"):
        start = drill_calls.index((_MARK, "start", step.name))
        end = drill_calls.index((_MARK, "end", step.name))
        made = [iam_action(s, op) for s, op, _r in drill_calls[start + 1:end]]
        declared = [iam_action(c.service, c.operation) for c in step.calls]
        assert list(dict.fromkeys(made)) == list(dict.fromkeys(declared)), step.name
