from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from infra.core.clock import Clock
from infra.core.virtual_clock import VirtualClock, VirtualDeadlock


def test_sleep_jumps_to_the_deadline_without_real_waiting():
    clock = VirtualClock()
    clock.sleep(3600)
    assert clock.now() == 3600.0


def test_time_waits_for_a_participant_that_is_running():
    clock = VirtualClock()
    seen: list[float] = []
    busy = threading.Event()

    def worker() -> None:
        busy.wait(5.0)  # blocked outside the clock (like an HTTP call): time must stand still
        seen.append(clock.now())
        clock.sleep(1)
        seen.append(clock.now())

    thread = clock.thread(worker, name="worker")
    thread.start()
    releaser = threading.Timer(0.2, busy.set)  # a non-participant, like a server thread
    releaser.start()
    clock.sleep(10)
    assert seen == [0.0, 1.0]
    assert clock.now() == 10.0
    assert clock.join(thread, real_timeout_s=5)
    releaser.join()


def _race(clock: VirtualClock, names: list[str]) -> list[tuple[float, str]]:
    log: list[tuple[float, str]] = []

    def tick(name: str) -> None:
        for _ in range(3):
            clock.sleep(5)  # every worker wakes at the same instants
            log.append((clock.now(), name))

    threads = [clock.thread(tick, name=n, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        clock.join(thread, real_timeout_s=5)
    return log


def test_waiters_due_at_one_instant_run_one_at_a_time_in_participant_order():
    names = [f"w{i}" for i in range(6)]
    first = _race(VirtualClock(), names)
    assert first == [(t, n) for t in (5.0, 10.0, 15.0) for n in names]
    for _ in range(5):  # the same order however the host schedules the threads
        assert _race(VirtualClock(), names) == first


def test_the_order_holds_with_the_host_loaded():
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        names = [f"w{i}" for i in range(4)]
        results = {tuple(_race(VirtualClock(), names)) for _ in range(5)}
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert len(results) == 1


def test_settle_lets_everyone_else_due_at_the_instant_act_first():
    clock = VirtualClock()  # this thread is the oldest participant: it would run first
    log: list[tuple[float, str]] = []

    def writer(name: str) -> None:
        clock.sleep(10)
        log.append((clock.now(), name))
        event.set()  # wakes "reader" at this instant: it too acts before the settler
        clock.sleep(5)

    def reader() -> None:
        clock.wait(event, 60)
        log.append((clock.now(), "reader"))

    event = threading.Event()
    threads = [clock.thread(writer, name="writer", args=("writer",)),
               clock.thread(reader, name="reader")]
    for thread in threads:
        thread.start()
    clock.sleep(10)
    clock.settle()
    log.append((clock.now(), "settled"))
    assert log == [(10.0, "writer"), (10.0, "reader"), (10.0, "settled")]
    for thread in threads:
        assert clock.join(thread, real_timeout_s=5)
    assert clock.now() == 15.0


def test_settle_alone_or_in_real_time_does_not_move_time():
    clock = VirtualClock()
    clock.settle()
    assert clock.now() == 0.0
    scaled = Clock(scale=1000)
    scaled.settle()
    assert scaled.now() < 1.0


def test_an_event_set_by_a_participant_wakes_its_waiter_at_that_instant():
    clock = VirtualClock()
    event = threading.Event()

    def setter() -> None:
        clock.sleep(42)
        event.set()

    thread = clock.thread(setter, name="setter")
    thread.start()
    assert clock.wait(event, 600) is True
    assert clock.now() == 42.0
    clock.join(thread, real_timeout_s=5)


def test_an_event_never_set_times_out_at_its_drill_deadline():
    clock = VirtualClock()
    assert clock.wait(threading.Event(), 90) is False
    assert clock.now() == 90.0


def test_poll_calls_on_a_fixed_cadence_and_reports_the_last_value():
    clock = VirtualClock()
    calls: list[float] = []

    def fn() -> int:
        calls.append(clock.now())
        return len(calls)

    outcome = clock.poll(fn, until=lambda n: n >= 4, timeout_s=100, every_s=10)
    assert (outcome.done, outcome.value, calls) == (True, 4, [0.0, 10.0, 20.0, 30.0])
    missed = clock.poll(lambda: 0, timeout_s=25, every_s=10)
    assert (missed.done, missed.value, clock.now()) == (False, 0, 55.0)


def test_poll_on_the_scaled_clock_stops_at_its_deadline():
    clock = Clock(scale=1000)
    outcome = clock.poll(lambda: False, timeout_s=50, every_s=10)
    assert outcome.done is False
    assert clock.now() >= 50


def test_a_deadlock_names_every_waiter_and_what_it_waits_for():
    clock = VirtualClock()
    never = threading.Event()

    def stuck() -> None:
        clock.wait_for(never.is_set, timeout_s=float("inf"), what="the never event")

    thread = clock.thread(stuck, name="stuck-worker")
    thread.start()
    with pytest.raises(VirtualDeadlock) as caught:
        clock.wait_for(lambda: False, timeout_s=float("inf"), what="the drill's own flag")
    message = str(caught.value)
    assert "stuck-worker waits for the never event" in message
    assert "main waits for the drill's own flag" in message
    never.set()
    assert clock.join(thread, real_timeout_s=5)


def test_a_wait_past_the_horizon_is_a_deadlock():
    clock = VirtualClock(horizon_s=100)
    with pytest.raises(VirtualDeadlock, match="past the horizon"):
        clock.sleep(500)


def test_a_thread_that_is_not_a_participant_may_not_wait():
    clock = VirtualClock()
    errors: list[BaseException] = []

    def outsider() -> None:
        try:
            clock.sleep(1)
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=outsider)
    thread.start()
    thread.join(5)
    assert "not a participant" in str(errors[0])


def test_a_foreground_wait_forever_beside_background_ticks_is_a_deadlock():
    clock = VirtualClock()
    stop = threading.Event()
    ticks: list[float] = []

    def ticker() -> None:
        while not clock.wait(stop, 10):
            ticks.append(clock.now())

    thread = clock.thread(ticker, name="prober", background=True)
    thread.start()
    clock.sleep(35)  # background ticks run while the foreground has a deadline
    with pytest.raises(VirtualDeadlock, match="only background ticks are left") as caught:
        clock.wait_for(lambda: False, timeout_s=float("inf"), what="an approval")
    assert "main waits for an approval (no deadline)" in str(caught.value)
    assert "prober waits for an event (until t=40s)" in str(caught.value)
    assert (ticks, clock.now()) == ([10.0, 20.0, 30.0], 35.0)
    stop.set()
    assert clock.join(thread, real_timeout_s=5)
