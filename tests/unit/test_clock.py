from __future__ import annotations

import threading

import pytest

from infra.core.clock import Clock, FakeClock


def test_drill_time_is_real_time_times_scale():
    clock = FakeClock(scale=60)
    clock.advance(1.5)
    assert clock.now() == pytest.approx(90.0)


def test_sleep_takes_drill_seconds_and_waits_real_ones():
    slept: list[float] = []
    clock = Clock(scale=60, monotonic=lambda: 0.0, sleep=slept.append)
    clock.sleep(120)
    assert slept == [2.0]


def test_sleep_until_a_past_time_returns_at_once():
    clock = FakeClock(scale=10)
    clock.advance(5)
    clock.sleep_until(10)
    assert clock.now() == pytest.approx(50)


def test_non_positive_scale_is_rejected():
    with pytest.raises(ValueError, match="time scale must be > 0"):
        Clock(scale=0)


def test_wait_on_a_set_event_does_not_move_time():
    clock = FakeClock(scale=60)
    event = threading.Event()
    event.set()
    assert clock.wait(event, 600) is True
    assert clock.now() == 0


def test_wall_time_is_utc():
    assert Clock().wall().utcoffset().total_seconds() == 0
