"""The runner policy's shape (every declared call, nothing more, writes scoped) and the matcher."""

from __future__ import annotations

import pytest

from drills.audit.facts import AUDIT_CALLS
from drills.faults.fis_templates import EXPERIMENT_EFFECTS
from drills.plan.planner import PREFLIGHT_CALLS
from drills.runbooks.failback import failback_steps
from drills.runbooks.failover import failover_steps
from drills.safety.cleanup_fis import CLEANUP_CALLS
from drills.safety.target_guard import GUARD_CALLS
from infra.core.actions import is_mutating
from infra.deploy import DEPLOY_CALLS, FAILURE_CALLS, TEARDOWN_CALLS
from infra.deploy_inspect import LEFTOVER_CALLS
from infra.iam_policy import Policy, audit, iam_action

__all__: list[str] = []

# Checked by IAM on a call without being a call: the service roles handed to CloudFormation
# and FIS.
PERMISSION_ONLY = {"iam:PassRole"}

DECLARED = (*GUARD_CALLS, *DEPLOY_CALLS, *FAILURE_CALLS, *TEARDOWN_CALLS, *LEFTOVER_CALLS,
            *PREFLIGHT_CALLS,
            *(c for step in failover_steps("us-east-1") for c in step.calls),
            *(c for step in failback_steps("eu-west-2", "us-east-1") for c in step.calls),
            *EXPERIMENT_EFFECTS.inject_calls, *EXPERIMENT_EFFECTS.revert_calls,
            *CLEANUP_CALLS, *AUDIT_CALLS)


def test_every_declared_call_is_allowed():
    calls = [(c.service, c.operation, "any") for c in DECLARED]
    assert audit(calls, Policy.load()) == ()


def test_the_policy_allows_nothing_the_drill_does_not_declare():
    declared = {iam_action(c.service, c.operation) for c in DECLARED}
    assert Policy.load().actions - declared == PERMISSION_ONLY


def test_every_statement_that_allows_a_write_is_scoped():
    for statement in Policy.load().document["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        if any(is_mutating(a.split(":", 1)[1]) for a in actions):
            resources = statement["Resource"]
            resources = [resources] if isinstance(resources, str) else resources
            assert "*" not in resources, statement["Sid"]


@pytest.mark.parametrize(("service", "operation", "expected"), [
    ("efs", "DescribeFileSystems", "elasticfilesystem:DescribeFileSystems"),
    ("cloudwatchlogs", "DescribeLogGroups", "logs:DescribeLogGroups"),
    ("elbv2", "DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers"),
    ("rds", "PromoteReadReplica", "rds:PromoteReadReplica"),
], ids=["efs", "logs", "elbv2", "same-name"])
def test_service_names_map_to_iam_prefixes(service, operation, expected):
    assert iam_action(service, operation) == expected


def test_wildcards_match_like_iam_and_a_deny_wins():
    policy = Policy.from_document({"Statement": [
        {"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get?bject"], "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:DescribeRegions", "Resource": "*"}]})
    calls = [("ec2", "DescribeVpcs", "r"), ("EC2", "describesubnets", "r"),
             ("s3", "GetObject", "r"), ("ec2", "CreateVpc", "r"), ("ec2", "DescribeRegions", "r"),
             ("s3", "GetObjectAcl", "r")]
    assert audit(calls, policy) == ("ec2:CreateVpc", "ec2:DescribeRegions", "s3:GetObjectAcl")


def test_not_action_is_refused_rather_than_misread():
    with pytest.raises(ValueError, match="NotAction"):
        Policy.from_document({"Statement": [{"Sid": "X", "Effect": "Allow",
                                             "NotAction": "iam:*", "Resource": "*"}]})
