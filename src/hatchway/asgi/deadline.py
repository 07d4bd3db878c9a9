"""The timeout guard: cancel an ASGI app shortly before Lambda's deadline, so it
is answered with 504 instead of the environment being killed mid-response.

A timer on the event loop per invocation costs more than the rest of a small
request (the loop then walks its timer heap on every pass), so one daemon
thread per process watches the current deadline instead: arming and disarming
are two attribute writes. The thread looks every POLL seconds, which bounds
how late a cancellation can come; the margin (0.5 s by default) absorbs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from asyncio import current_task
from time import monotonic
from typing import Any

__all__ = ["POLL", "Deadline", "arm"]

#: How often the watchdog looks at the current deadline, in seconds.
POLL = 0.05


class Deadline:
    """One invocation's deadline: when it passes, its task is cancelled."""

    __slots__ = ("expired", "task", "when")

    def __init__(self, when: float, task: asyncio.Task[Any]) -> None:
        self.when = when
        self.task = task
        self.expired = False

    def disarm(self) -> None:
        if _watchdog.current is self:
            _watchdog.current = None

    def uncancel(self) -> None:
        # Python 3.11+ counts cancellation requests; this one has been handled.
        uncancel = getattr(self.task, "uncancel", None)
        if uncancel is not None:
            uncancel()

    def _expire(self) -> None:
        # Runs on the event loop's thread.
        if not self.task.done():
            self.expired = True
            self.task.cancel()


class _Watchdog:
    def __init__(self) -> None:
        self.current: Deadline | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="hatchway-deadline", daemon=True)
        self.thread.start()

    def after_fork(self) -> None:
        # Threads do not survive fork: the child starts its own when first needed.
        self.current = None
        self.thread = None

    def _run(self) -> None:
        while True:
            time.sleep(POLL)
            deadline = self.current
            if deadline is not None and monotonic() >= deadline.when:
                self.current = None
                # A closed loop has nothing left to cancel.
                with contextlib.suppress(RuntimeError):
                    deadline.task.get_loop().call_soon_threadsafe(deadline._expire)


_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_watchdog.after_fork)


def arm(context: Any, margin: float | None) -> Deadline | None:
    """Watch the running task's deadline, ``margin`` seconds before Lambda's;
    None when the guard is off or the context gives no deadline.

    No remaining time at all when the invocation starts means no deadline was
    given: awslambdaric and hatchway's runtime both report 0 when the Runtime
    API's ``Lambda-Runtime-Deadline-Ms`` header is missing. Lambda never starts
    an invocation without time left, so guarding then would only answer every
    request that awaits anything with 504.
    """
    if margin is None:
        return None
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        millis = remaining()
    except Exception:  # a context object of some test double: no deadline
        return None
    if isinstance(millis, bool) or not isinstance(millis, (int, float)) or not millis > 0:
        return None
    task = current_task()
    if task is None:
        return None
    deadline = _watchdog.current = Deadline(monotonic() + millis / 1000 - margin, task)
    if _watchdog.thread is None:
        _watchdog.start()
    return deadline
