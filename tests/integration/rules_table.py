"""Helpers for the rule tests: one refused call per rule, checked against AWS's answer.

Each rule test makes the call that breaks exactly one rule of ``docs/fidelity.md`` against
the real moto server over HTTP, and asserts AWS's error code and message; the same call with
the rule kept (the ``healthy`` twin) must go through, so the test fails if the rule is gone
and also if the rule refuses what AWS accepts.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

__all__ = ["refused"]


def refused(call, code: str, message: str) -> dict:
    """Run ``call()``; it must fail with AWS error ``code`` whose message contains ``message``."""
    with pytest.raises(ClientError) as err:
        call()
    error = err.value.response["Error"]
    assert error["Code"] == code, error
    assert message in error["Message"], error
    return error
