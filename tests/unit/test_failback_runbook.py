"""The failback runbook's wait for the primary-region replica to catch up after the freeze."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drills.runbooks.failback import _next_whole_second

__all__: list[str] = []


@pytest.mark.parametrize(("wall", "start"), [
    (datetime(2026, 3, 14, 9, 30, 5, 1, tzinfo=UTC), datetime(2026, 3, 14, 9, 30, 6, tzinfo=UTC)),
    (datetime(2026, 3, 14, 9, 30, 59, 999_999, tzinfo=UTC),
     datetime(2026, 3, 14, 9, 31, 0, tzinfo=UTC)),
    (datetime(2026, 3, 14, 9, 30, 5, tzinfo=UTC), datetime(2026, 3, 14, 9, 30, 5, tzinfo=UTC)),
], ids=["mid-second", "end-of-minute", "whole-second"])
def test_lag_is_read_from_the_first_whole_second_after_the_freeze(wall, start):
    # CloudWatch drops a StartTime's fraction of a second: a datapoint published earlier in
    # the freeze's own second would otherwise count as "caught up after the freeze".
    assert _next_whole_second(wall) == start
