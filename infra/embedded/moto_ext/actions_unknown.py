"""An API action moto does not implement answers as AWS answers an unknown action, not 500.

Stock moto raises ``NotImplementedError`` for an action it has no handler for (and for some
it has only started), which the server turns into an HTTP 500 with a Python traceback. A
client that calls such an action on AWS itself would get a client error in its service's
protocol; here it gets the same, and ``api_calls`` then journals it like any other answer
(it must apply after this module, which its name ensures: extensions apply in name order,
and ``api_calls`` captures the call path when it is imported):

- query protocol (RDS, ELBv2, ElastiCache, CloudFormation, STS, ...): HTTP 400
  ``InvalidAction``, "The action X is not valid for this web service." in an
  ``ErrorResponse`` (Common Errors: "The action or operation requested is invalid",
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html);
- EC2: the same code and status in EC2's ``Response/Errors`` shape
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html);
- JSON protocols (ECS, KMS, Logs, ...): HTTP 400 ``UnknownOperationException`` (est.: the
  code AWS's JSON endpoints answer for an unknown ``X-Amz-Target``; message wording est.);
- REST protocols (Route 53, EFS, FIS): HTTP 400 ``InvalidAction`` in the protocol's error
  shape (est.: those APIs route by path, so AWS answers a route it lacks with a 404 instead,
  which moto does too before any of this runs).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.core.responses import BaseResponse, get_service_model

__all__ = ["apply", "unknown_action"]

_stock_call_action = BaseResponse.call_action
_XML_NS = "https://{service}.amazonaws.com/doc/"


def _message(action: str) -> str:
    return f"The action {action} is not valid for this web service."


def unknown_action(service: str, action: str) -> tuple[int, dict[str, str], str]:
    """AWS's answer to an unknown ``action`` of ``service`` (a boto3 service name)."""
    protocol = get_service_model(service).protocol
    request_id = str(uuid.uuid4())
    text = _message(action)
    if protocol == "json":
        body = json.dumps({"__type": "UnknownOperationException", "message": text})
        return 400, {"Content-Type": "application/x-amz-json-1.1",
                     "x-amzn-RequestId": request_id}, body
    if protocol == "rest-json":
        body = json.dumps({"message": text})
        return 400, {"Content-Type": "application/json", "x-amzn-ErrorType": "InvalidAction",
                     "x-amzn-RequestId": request_id}, body
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>InvalidAction</Code><Message>{text}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return 400, {"Content-Type": "text/xml"}, body
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
            f"<Message>{text}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>")
    return 400, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


def _call_action(self: BaseResponse) -> Any:
    try:
        return _stock_call_action(self)
    except NotImplementedError:
        return unknown_action(self.boto3_service_name, str(self._get_action() or "unknown"))


def apply() -> None:
    """Answer every action moto does not implement as AWS answers an unknown action."""
    BaseResponse.call_action = _call_action  # type: ignore[method-assign]
