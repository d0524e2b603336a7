"""A resource that fails to create fails the stack as CloudFormation fails it: rolled back.

Stock moto creates a stack's resources inside ``CreateStack``: a resource whose creation
raises makes the call itself fail and leaves a stack that answers 500 to every describe.
CloudFormation instead accepts the stack, marks the resource ``CREATE_FAILED`` with the
service's message as its status reason, creates nothing more, rolls back (deleting what it
made: ``ROLLBACK_IN_PROGRESS`` -> ``ROLLBACK_COMPLETE``) and lists every step in
DescribeStackEvents; DescribeStacks answers normally, with no outputs.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html
Template-level errors (parameters, unresolvable references: any CloudFormation error moto
raises) still fail ``CreateStack`` with ``ValidationError``, and leave no stack behind.

How a rule makes a resource fail (the interface for the ``rules_*`` extensions): raise,
from the moto backend call the resource's creation makes, either the service's own moto
exception (a ``ServiceException`` subclass such as ``moto.ecs.exceptions.ClientException``,
or a ``RESTError``/``JsonRESTError``: its error code and message are AWS's) or
:class:`ResourceCreateFailed` when the failure has no service exception of its own. Either
way the direct API call answers with that error, and a CloudFormation resource goes
``CREATE_FAILED`` with :func:`status_reason` of it, e.g.::

    Resource handler returned message: "No Fargate configuration exists for given values.
    (Service: Ecs, Status Code: 400, Request ID: ...)" (RequestToken: ..., HandlerErrorCode:
    InvalidRequest)
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cloudformation import exceptions as cfn_exceptions
from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend, Event, Stack

# moto's query/JSON error base has no public name; every service's RESTError derives from it.
from moto.core.exceptions import ServiceException
from moto.core.exceptions import _RESTError as RESTError

__all__ = ["Failure", "ResourceCreateFailed", "apply", "failure_of", "status_reason"]

# https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html
# The handler error code a provider returns for each class of service answer (est.: the
# mapping is the providers' convention, e.g. 400 -> InvalidRequest, 5xx -> ServiceInternalError).
_HANDLER_CODES = {400: "InvalidRequest", 401: "InvalidCredentials", 403: "AccessDenied",
                  404: "NotFound", 409: "ResourceConflict", 429: "Throttling"}


class ResourceCreateFailed(ServiceException):
    """An AWS-coded refusal of a resource, for a rule that has no service exception to raise.

    ``code`` and ``message`` are AWS's; ``status`` the HTTP status AWS answers with;
    ``handler_code`` overrides the CloudFormation handler error code derived from it.
    """

    def __init__(self, code: str, message: str, *, status: int = 400,
                 handler_code: str | None = None) -> None:
        super().__init__(code, message)
        self.status = status
        self.handler_code = handler_code


@dataclass(frozen=True, slots=True)
class Failure:
    """Why one resource failed to create: AWS's error code, message and HTTP status."""

    code: str
    message: str
    status: int = 400
    handler_code: str | None = None


def failure_of(exc: BaseException) -> Failure | None:
    """The AWS failure ``exc`` carries, or None for a template error or a plain bug."""
    if isinstance(exc, (cfn_exceptions.CloudFormationError,
                        cfn_exceptions.UnformattedGetAttTemplateException)):
        return None
    if isinstance(exc, ResourceCreateFailed):
        return Failure(exc.code, exc.message, exc.status, exc.handler_code)
    if isinstance(exc, ServiceException):
        return Failure(str(exc.code), str(exc.message), int(getattr(exc, "status", 400)))
    if isinstance(exc, RESTError):
        return Failure(str(exc.error_type), str(exc.message), int(exc.code or 400))
    return None


def _service(resource_type: str) -> str:
    # The SDK's service name as a handler reports it: AWS::ECS::TaskDefinition -> Ecs.
    parts = resource_type.split("::")
    name = parts[1] if len(parts) > 1 else resource_type
    return name.capitalize() if name.isupper() else name


def status_reason(failure: Failure, resource_type: str) -> str:
    """The ``ResourceStatusReason`` CloudFormation gives a resource its handler failed."""
    handler = failure.handler_code or _HANDLER_CODES.get(
        failure.status, "ServiceInternalError" if failure.status >= 500
        else "GeneralServiceException")
    return (f'Resource handler returned message: "{failure.message} (Service: '
            f"{_service(resource_type)}, Status Code: {failure.status}, Request ID: "
            f'{uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: {handler})')


_creating = threading.local()  # .stack: a CreateStack is running on this thread


class _Failed(Exception):
    """A resource failed; carried out of moto's lazy, recursive creation to the stack."""

    def __init__(self, logical_id: str, resource_type: str, failure: Failure) -> None:
        super().__init__(f"{logical_id}: {failure.code}: {failure.message}")
        self.logical_id, self.resource_type, self.failure = logical_id, resource_type, failure


def _stack_of(resources_map: Any, account: str, region: str) -> Stack | None:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[account][region].stacks.get(resources_map.stack_id)


def _event(stack: Stack | None, logical_id: str, physical_id: str, resource_type: str,
           status: str, reason: str | None = None) -> None:
    if stack is not None:
        stack.events.append(Event(stack.stack_id, stack.name, logical_id, physical_id,
                                  resource_type, status, reason, None))


def _create(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
            account_id: str, region_name: str) -> Any:
    # moto's parse_and_create_resource, with the resource's own events, and its failure
    # (not a dependent's, which arrives as _Failed) turned into CREATE_FAILED.
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    kind = resource_json["Type"]
    parsed = parsing.parse_resource_and_generate_name(logical_id, resource_json, resources_map)
    if not parsed:
        return None
    resource_class, properties, physical_name = parsed
    stack = _stack_of(resources_map, account_id, region_name)
    _event(stack, logical_id, "", kind, "CREATE_IN_PROGRESS")
    try:
        resource = resource_class.create_from_cloudformation_json(
            physical_name, properties, account_id, region_name,
            LogicalId=logical_id, StackId=resources_map.stack_id, ResourceType=kind)
    except Exception as exc:
        failure = failure_of(exc)
        if failure is None or not getattr(_creating, "stack", False):
            raise  # outside CreateStack (an update, a change set): moto's own answer
        _event(stack, logical_id, "", kind, "CREATE_FAILED", status_reason(failure, kind))
        raise _Failed(logical_id, kind, failure) from exc
    resource.cf_resource_type = kind
    resource.logical_resource_id = logical_id
    _event(stack, logical_id, str(getattr(resource, "physical_resource_id", "") or ""), kind,
           "CREATE_COMPLETE")
    return resource


def _made(stack: Stack) -> list[str]:
    made = stack.resource_map._parsed_resources
    return [n for n in stack.resource_map._resource_json_map
            if n in made and not isinstance(made[n], str) and made[n] is not None]


def _roll_back(stack: Stack, reason: str) -> None:
    """Delete what ``stack`` made, with CloudFormation's events, and forget its resources."""
    resources = stack.resource_map
    made = _made(stack)
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack.status_reason = reason  # type: ignore[attr-defined]  # StackStatusReason
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    left = ""
    try:
        resources.delete()
    except Exception as exc:  # stack_delete names what it could not remove
        left = str(exc)
    for logical_id in reversed(made):
        kind = resources._resource_json_map[logical_id]["Type"]
        gone = logical_id not in resources._parsed_resources
        _event(stack, logical_id, "", kind, "DELETE_IN_PROGRESS")
        _event(stack, logical_id, "", kind, "DELETE_COMPLETE" if gone else "DELETE_FAILED",
               None if gone else left)
    # Nothing is left to describe, output or delete: a rolled-back stack has no resources.
    resources._resource_json_map = {}
    stack.output_map = parsing.OutputMap(resources, {}, stack.stack_id)
    stack.status = "ROLLBACK_FAILED" if left else "ROLLBACK_COMPLETE"
    stack._add_stack_event(stack.status, resource_status_reason=left or None)


def _stored(backend: CloudFormationBackend, name: str) -> Stack | None:
    return next((s for s in backend.stacks.values() if s.name == name), None)


def _rolling_back(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_stack(self: CloudFormationBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        before = _stored(self, name)
        _creating.stack = True
        try:
            return inner(self, name, *args, **kwargs)
        except _Failed as failed:
            stack = _stored(self, name)
            if stack is None or stack is before:
                raise
            _roll_back(stack, f"The following resource(s) failed to create: "
                              f"[{failed.logical_id}]. Rollback requested by user.")
            return stack
        except Exception:
            stack = _stored(self, name)
            if stack is not None and stack is not before:
                # A template error met mid-creation: undo what was made and keep no stack.
                _roll_back(stack, "Template error")
                self.stacks.pop(stack.stack_id, None)
            raise
        finally:
            _creating.stack = False
    return create_stack


def apply() -> None:
    """Turn a failed resource into a CREATE_FAILED resource and a rolled-back stack."""
    parsing.parse_and_create_resource = _create  # ResourceMap looks it up at each use
    CloudFormationBackend.create_stack = _rolling_back(  # type: ignore[method-assign]
        CloudFormationBackend.create_stack)
