"""The watchdog thread: it acts on each watch in time, and sleeps in between."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from hatchway import watchdog
from hatchway.watchdog import Watch


class Recorded(Watch):
    """A watch that records when the watchdog acted on it."""

    __slots__ = ("acted",)

    def __init__(self, lead: float) -> None:
        now = time.monotonic()
        super().__init__(now + lead, 0.0, None, None, Recorded.__init__.__code__)  # type: ignore[arg-type]
        self.acted = threading.Event()

    def overdue(self) -> bool:
        self.acted.set()
        return True


@pytest.fixture
def fresh_watchdog(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A watchdog of the test's own, so earlier tests' leads do not count."""
    fresh = watchdog._Watchdog()
    monkeypatch.setattr(watchdog, "_watchdog", fresh)
    return fresh


def test_a_watch_is_acted_on_at_its_time(fresh_watchdog: Any) -> None:
    watch = Recorded(0.2)
    watch.arm()
    assert not watch.acted.wait(0.1)
    assert watch.acted.wait(2)
    assert watch not in fresh_watchdog.armed


def test_a_disarmed_watch_is_left_alone(fresh_watchdog: Any) -> None:
    watch = Recorded(0.1)
    watch.arm()
    watch.disarm()
    assert not watch.acted.wait(0.4)


def test_a_shorter_watch_armed_while_it_sleeps_wakes_it(fresh_watchdog: Any) -> None:
    long = Recorded(30)
    long.arm()
    waited = time.monotonic() + 2
    while fresh_watchdog.next_look == float("inf") and time.monotonic() < waited:
        time.sleep(0.01)  # until the thread has looked once
    assert fresh_watchdog.next_look > time.monotonic() + 20  # it sleeps towards the long one
    short = Recorded(0.2)
    started = time.monotonic()
    short.arm()
    assert short.acted.wait(2)
    assert time.monotonic() - started < 1.5
    long.disarm()


def test_it_sleeps_at_most_the_shortest_lead_seen(fresh_watchdog: Any) -> None:
    # Watches of the same lead (one function's time-out) arm without waking it:
    # it never sleeps longer than that lead, so it cannot miss the next one.
    first = Recorded(0.3)
    first.arm()
    first.disarm()
    waited = time.monotonic() + 2
    while fresh_watchdog.next_look == float("inf") and time.monotonic() < waited:
        time.sleep(0.01)  # until the thread has looked once
    assert fresh_watchdog.next_look <= time.monotonic() + 0.3
    second = Recorded(0.3)
    second.arm()
    assert second.acted.wait(2)


def test_it_does_not_wake_between_deadlines(
    fresh_watchdog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks: list[float] = []
    look = fresh_watchdog._look

    def counted(now: float) -> float:
        looks.append(now)
        return float(look(now))

    monkeypatch.setattr(fresh_watchdog, "_look", counted)
    watch = Recorded(5)
    watch.arm()
    time.sleep(0.5)
    watch.disarm()
    assert len(looks) == 1  # the first arm's wake-up only; a 50 ms poll would be ~10
