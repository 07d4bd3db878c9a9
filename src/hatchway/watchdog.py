"""The deadline watchdog: one daemon thread per process watching the running
invocations' deadlines, for ASGI and WSGI apps alike.

Lambda ends an invocation that outlives its time-out with only ``Task timed
out after N seconds``. Shortly before that (``timeout_margin`` seconds), the
watchdog acts: an ASGI app that is awaiting is cancelled and answered 504 (see
:mod:`hatchway.asgi.deadline`); where hatchway cannot answer in time (a WSGI
app, or an ASGI app whose synchronous code blocks the event loop), it logs
once, at ERROR, the request and the stack of the thread running the app, so
the log says where the function was stuck.

A timer per invocation costs more than the rest of a small request; here
arming and disarming are a set insertion and removal, and the thread sleeps
until the earliest armed deadline. It must not sleep past a watch armed while
it sleeps, and waking it on every arm would cost a thread switch per request:
so it sleeps at most the shortest time from arming to acting seen so far
(about the function's time-out, the same for every invocation), and an arm
wakes it only for a watch shorter than all before. A thread that woke every
50 ms made each ASGI invocation of a busy process 3-4 us slower here, though
it ran only a few lines each time.

A plain thread rather than ``faulthandler.dump_traceback_later``: its report
goes through :mod:`logging` (request id, level, Lambda's JSON log format) and
shows only the thread running the app, and faulthandler's single timer stays
the app's own. The cost: a thread holding the GIL the whole time (a C
extension that does not release it) keeps the watchdog from running too.

This module never imports asyncio: WSGI functions use it.
"""

from __future__ import annotations

import os
import sys
import threading
from time import monotonic
from typing import TYPE_CHECKING, Any

from .log import LazyLogger, request_id_of

if TYPE_CHECKING:
    from types import CodeType, FrameType

    from .http import Request

__all__ = ["POLL", "Watch", "deadline_of", "thread_stack"]

#: How long after its first act the watchdog looks at a watch again (an ASGI
#: task asked to cancel: has the loop done it?), and the least it sleeps.
POLL = 0.05

logger = LazyLogger("hatchway")


def deadline_of(context: Any) -> float | None:
    """Lambda's deadline for this invocation on the ``monotonic()`` clock, from
    the context's ``get_remaining_time_in_millis``; None when there is none.

    No remaining time at all when the invocation starts means no deadline was
    given: awslambdaric and hatchway's runtime both report 0 when the Runtime
    API's ``Lambda-Runtime-Deadline-Ms`` header is missing. Lambda never starts
    an invocation without time left.
    """
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        millis = remaining()
    except Exception:  # a context object of some test double: no deadline
        return None
    if isinstance(millis, bool) or not isinstance(millis, (int, float)) or not millis > 0:
        return None
    return monotonic() + millis / 1000


class Watch:
    """One invocation under watch: when ``when`` passes while it is still armed,
    the watchdog calls :meth:`overdue` (from its own thread).

    This base class is the WSGI case: nothing can interrupt the app, so the
    report is all there is.
    """

    __slots__ = ("caller", "context", "ends", "request", "started", "thread_id", "when")

    #: Why hatchway cannot answer in time, for the report.
    reason = (
        "a WSGI app cannot be interrupted: Lambda will end it with 'Task timed out' "
        "and discard the environment"
    )

    def __init__(
        self, ends: float, margin: float, request: Request, context: Any, caller: CodeType
    ) -> None:
        #: Lambda's deadline and the moment to act, ``monotonic()`` seconds.
        self.ends = ends
        self.when = ends - margin
        self.started = monotonic()
        #: The thread running the app: the one arming the watch.
        self.thread_id = threading.get_ident()
        self.request = request
        self.context = context
        #: The code of hatchway's function that calls the app: the report's stack starts there.
        self.caller = caller

    def arm(self) -> None:
        watchdog = _watchdog
        watchdog.armed.add(self)
        lead = self.when - self.started
        if lead < watchdog.longest_sleep:
            watchdog.longest_sleep = max(lead, POLL)
        if self.when < watchdog.next_look:  # it would look too late: wake it
            watchdog.wake()

    def disarm(self) -> None:
        _watchdog.armed.discard(self)

    def overdue(self) -> bool:
        """Act on the passed deadline; True when the watch is done with."""
        self.report()
        return True

    def report(self) -> None:
        """Log, once, that the invocation is about to time out, with the stack
        of the thread running the app."""
        stack = thread_stack(self.thread_id, self.caller)
        if self not in _watchdog.armed:
            return  # it finished while the stack was taken
        now = monotonic()
        request = self.request
        logger.error(
            "%s %s (request id %s) is about to time out: it has run %.2f s and Lambda "
            "ends the invocation in %.2f s; %s. Where the app is now (most recent call "
            "last):\n%s",
            request.method,
            request.path,
            request_id_of(self.context),
            now - self.started,
            max(0.0, self.ends - now),
            self.reason,
            stack,
        )


def thread_stack(thread_id: int, caller: CodeType) -> str:
    """The stack of a running thread, formatted like a traceback, from the frame
    running ``caller`` down (the runtime's and the event loop's frames above it
    tell nothing about the app); the whole stack if ``caller`` is not on it."""
    import traceback

    # A documented function of sys despite its underscore.
    frame = sys._current_frames().get(thread_id)
    if frame is None:
        return "  (the thread has ended)\n"
    frames = []
    current: FrameType | None = frame
    while current is not None:
        frames.append((current, current.f_lineno))
        if current.f_code is caller:
            break
        current = current.f_back
    if current is None:
        return "".join(traceback.format_stack(frame))
    frames.reverse()
    return "".join(traceback.StackSummary.extract(frames).format())


class _Watchdog:
    def __init__(self) -> None:
        self.armed: set[Watch] = set()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.wakeup = threading.Event()
        #: When the thread looks next (``monotonic()``); infinite while it is not sleeping.
        self.next_look = _NEVER
        #: The most it sleeps: the shortest time from arming a watch to acting on it
        #: seen so far, so that it never sleeps past a watch armed meanwhile.
        self.longest_sleep = _NEVER

    def wake(self) -> None:
        if self.thread is None:
            self.start()
        self.wakeup.set()

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._run, name="hatchway-deadline", daemon=True
                )
                self.thread.start()

    def after_fork(self) -> None:
        # Threads do not survive fork: the child starts its own when first needed.
        self.armed = set()
        self.thread = None
        self.lock = threading.Lock()
        self.wakeup = threading.Event()
        self.next_look = self.longest_sleep = _NEVER

    def _run(self) -> None:
        while True:
            self.wakeup.wait(None if self.next_look == _NEVER else self.next_look - monotonic())
            self.wakeup.clear()
            # While it looks, every arm wakes it: a watch it does not see now is seen next.
            self.next_look = _NEVER
            self.next_look = self._look(monotonic())

    def _look(self, now: float) -> float:
        """Act on the watches whose time has come; when to look next."""
        next_look = now + self.longest_sleep
        for watch in tuple(self.armed):
            if now >= watch.when:
                try:
                    done = watch.overdue()
                except Exception:  # the watchdog itself must not die
                    done = True
                if done:
                    self.armed.discard(watch)
                    continue
                watch.when = now + POLL
            next_look = min(next_look, watch.when)
        return next_look


#: No time at all: what the thread waits for with nothing to watch.
_NEVER = float("inf")

_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_watchdog.after_fork)
