"""How a refusal becomes a CloudFormation resource's status reason (moto_ext.cfn_rollback)."""

from __future__ import annotations

import re

from moto.cloudformation.exceptions import ValidationError as TemplateError
from moto.ecs.exceptions import EcsClientException
from moto.kms.exceptions import NotFoundException

from infra.embedded.moto_ext.cfn_rollback import (
    Failure,
    ResourceCreateFailed,
    failure_of,
    status_reason,
)

__all__: list[str] = []

_FARGATE = "No Fargate configuration exists for given values."
_REASON = re.compile(
    r'^Resource handler returned message: "(?P<message>.+) \(Service: (?P<service>\w+), '
    r"Status Code: (?P<status>\d+), Request ID: [0-9a-f-]{36}\)\" \(RequestToken: "
    r"[0-9a-f-]{36}, HandlerErrorCode: (?P<handler>\w+)\)$")


def test_a_service_exception_keeps_its_code_and_message():
    assert failure_of(EcsClientException(_FARGATE)) == Failure("ClientException", _FARGATE, 400)


def test_a_rest_error_keeps_its_code_message_and_status():
    assert failure_of(NotFoundException("Key 'k' does not exist")) == Failure(
        "NotFoundException", "Key 'k' does not exist", 400)


def test_a_rule_without_a_service_exception_raises_resource_create_failed():
    refused = ResourceCreateFailed("LimitExceeded", "Too many things", status=409,
                                   handler_code="ServiceLimitExceeded")
    assert failure_of(refused) == Failure("LimitExceeded", "Too many things", 409,
                                          "ServiceLimitExceeded")


def test_template_errors_and_bugs_are_not_resource_failures():
    assert failure_of(TemplateError("stack", message="Template format error")) is None
    assert failure_of(KeyError("Subnet")) is None


def test_the_status_reason_has_cloudformations_shape():
    reason = status_reason(Failure("ClientException", _FARGATE), "AWS::ECS::TaskDefinition")
    found = _REASON.match(reason)
    assert found is not None, reason
    assert found.groupdict() == {"message": _FARGATE, "service": "Ecs", "status": "400",
                                 "handler": "InvalidRequest"}
    forbidden = status_reason(Failure("AccessDenied", "no", 403), "AWS::ElasticLoadBalancingV2::"
                              "LoadBalancer")
    assert "(Service: ElasticLoadBalancingV2, Status Code: 403" in forbidden
    assert forbidden.endswith("HandlerErrorCode: AccessDenied)")
