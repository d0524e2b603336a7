"""The retry policy's backoff: full jitter under its caps, and the same waits for a seed."""

from __future__ import annotations

from botocore.exceptions import ClientError

from infra.retry import RetryPolicy, seeded_jitter

__all__: list[str] = []


def _waits(jitter) -> list[float]:
    """The backoff waits of a call throttled three times before it succeeds."""
    waits: list[float] = []
    left = [3]

    def throttled() -> str:
        if left[0]:
            left[0] -= 1
            raise ClientError({"Error": {"Code": "Throttling"},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeStacks")
        return "answered"

    policy = RetryPolicy(max_attempts=4, sleep=waits.append, jitter=jitter)
    assert policy.call("cloudformation", "DescribeStacks", throttled) == "answered"
    return waits


def test_each_wait_is_a_share_of_its_doubling_cap():
    waits = _waits(seeded_jitter(7, "deploy"))
    assert len(waits) == 3
    for attempt, wait in enumerate(waits, start=1):
        assert 0.0 <= wait <= min(5.0, 0.2 * 2 ** (attempt - 1))
    assert _waits(lambda: 1.0) == [0.2, 0.4, 0.8]  # the caps themselves


def test_a_seed_retries_after_the_same_waits_and_another_seed_after_others():
    assert _waits(seeded_jitter(7, "deploy")) == _waits(seeded_jitter(7, "deploy"))
    assert _waits(seeded_jitter(7, "deploy")) != _waits(seeded_jitter(8, "deploy"))
    assert _waits(seeded_jitter(7, "deploy")) != _waits(seeded_jitter(7, "runbook"))
