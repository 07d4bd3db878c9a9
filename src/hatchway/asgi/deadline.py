"""The timeout guard for ASGI apps: cancel the app shortly before Lambda's
deadline, so it is answered with 504 instead of the environment being killed
mid-response.

The process's watchdog thread (:mod:`hatchway.watchdog`) asks the event loop
to cancel the invocation's task when the time comes. When the loop does not
get to it within one more look (POLL seconds), the loop is blocked (sync code
in an ``async def``): the watchdog then logs where the loop's thread is stuck.
When it does, the awaiting app's stack goes into the 504's log line.
"""

from __future__ import annotations

import asyncio
from asyncio import current_task
from typing import TYPE_CHECKING, Any

from ..watchdog import Watch, deadline_of

if TYPE_CHECKING:
    from types import CodeType

    from ..http import Request

__all__ = ["Deadline", "arm", "await_stack"]


class Deadline(Watch):
    """One ASGI invocation's deadline: when it passes, its task is cancelled."""

    __slots__ = ("cancel_sent", "expired", "stack", "task")

    reason = (
        "the event loop is blocked (synchronous code in an async function), so "
        "hatchway cannot cancel the app and answer 504"
    )

    def __init__(
        self,
        ends: float,
        margin: float,
        request: Request,
        context: Any,
        caller: CodeType,
        task: asyncio.Task[Any],
    ) -> None:
        super().__init__(ends, margin, request, context, caller)
        self.task = task
        #: Set on the loop when the task was cancelled for the deadline.
        self.expired = False
        #: The watchdog asked the loop to cancel the task.
        self.cancel_sent = False
        #: Where the app was awaiting when it was cancelled, like a traceback.
        self.stack = ""

    def uncancel(self) -> None:
        # Python 3.11+ counts cancellation requests; this one has been handled.
        uncancel = getattr(self.task, "uncancel", None)
        if uncancel is not None:
            uncancel()

    def overdue(self) -> bool:
        # On the watchdog's thread: first ask the loop to cancel; at the next
        # look, a loop that has not done it yet is blocked.
        if not self.cancel_sent:
            self.cancel_sent = True
            try:
                self.task.get_loop().call_soon_threadsafe(self._expire)
            except RuntimeError:  # a closed loop has nothing left to cancel
                return True
            return False
        if not self.expired and not self.task.done():
            self.report()
        return True

    def _expire(self) -> None:
        # Runs on the event loop's thread.
        task = self.task
        if not task.done():
            self.expired = True
            self.stack = await_stack(task)
            task.cancel()


def await_stack(task: asyncio.Task[Any]) -> str:
    """Where a suspended task is awaiting, formatted like a traceback.

    ``Task.get_stack()`` gives only the task's outermost coroutine frame while
    it is suspended; the chain of ``cr_await`` (coroutines) and
    ``gi_yieldfrom`` (generators) leads to the innermost one, the line that is
    waiting.
    """
    import traceback

    frames = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        frames.append((frame, frame.f_lineno))
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return "".join(traceback.StackSummary.extract(frames).format())


def arm(
    context: Any,
    margin: float | None,
    request: Request,
    caller: CodeType,
    loop: asyncio.AbstractEventLoop,
) -> Deadline | None:
    """Watch the running task's deadline, ``margin`` seconds before Lambda's
    (``caller``: the code of the function calling the app, see :class:`~hatchway.watchdog.Watch`);
    None when the guard is off or the context gives no deadline (see
    :func:`~hatchway.watchdog.deadline_of`: guarding then would only answer
    every request that awaits anything with 504). ``loop``: the loop running
    the invocation's task (named, it spares a look-up of the running loop)."""
    if margin is None:
        return None
    ends = deadline_of(context)
    if ends is None:
        return None
    task = current_task(loop)
    if task is None:
        return None
    deadline = Deadline(ends, margin, request, context, caller, task)
    deadline.arm()
    return deadline
