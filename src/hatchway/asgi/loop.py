"""One private event loop per process, reused by every invocation.

Reusing the loop keeps clients and pools bound to it alive between warm
invocations, and the lifespan task running on it. It is never the thread's
"current" loop, so nothing here goes through the ``get_event_loop()`` paths
that warn on Python 3.12+, and code that called ``asyncio.run()`` before
cannot break it. After a fork the child makes a new loop (the parent's cannot
be shared).

Each invocation is one ``loop.run_until_complete()``: it returns after the
pass in which the invocation's task finished, so that task's done callbacks
run (AnyIO stops its worker threads there) and so does whatever else was
ready, such as a step of a task the app started and did not await. Between
invocations the loop does not run; such tasks go on during the next one.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopRunner", "process_loop"]

T = TypeVar("T")


class LoopRunner:
    """Runs coroutines to completion on a private loop, one at a time.

    Invocations from several threads at once are serialised by a lock (one
    loop cannot run twice at once). When the calling thread is already running
    another loop (an async test calling the handler), the private loop runs in
    a helper thread for that call.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        #: Bumped in a forked child: anything bound to the old loop must start over.
        self.generation = 0
        _runners.add(self)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The private loop, made on first use (and again if it was closed)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = asyncio.new_event_loop()
        return loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the private loop and return its result (or raise its error)."""
        with self._lock:
            return self._run_locked(coro)

    def try_run(self, coro: Coroutine[Any, Any, T]) -> tuple[bool, T | None]:
        """Run ``coro`` unless the loop is busy (as in a signal handler that
        interrupted an invocation); ``(False, None)`` then, and ``coro`` is closed."""
        if not self._lock.acquire(blocking=False):
            coro.close()
            return False, None
        try:
            return True, self._run_locked(coro)
        finally:
            self._lock.release()

    def _run_locked(self, coro: Coroutine[Any, Any, T]) -> T:
        if _loop_running_in_this_thread():
            return _run_in_thread(self.loop, coro)
        return run_to_completion(self.loop, coro)

    def _after_fork(self) -> None:
        # The parent's loop shares file descriptors with the parent: drop it, don't close it.
        self._loop = None
        self._lock = threading.Lock()
        self.generation += 1


def run_to_completion(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """``loop.run_until_complete(coro)`` until its task is done, leaving nothing
    half-done when it raises.

    A ``KeyboardInterrupt`` or ``SystemExit`` raised in another task (one the app
    started) stops the loop with ``coro``'s task unfinished: it is cancelled
    then, so it cannot run on into a later invocation.
    """
    task = loop.create_task(coro)
    try:
        while True:
            try:
                return loop.run_until_complete(task)
            except RuntimeError:
                if task.done() or loop.is_closed() or loop.is_running():
                    raise
                # Stopped early by loop.stop(): the app's, or one left over from
                # an earlier call whose app stopped the loop. Run on.
    except BaseException:
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()  # retrieved: asyncio must not log it as never retrieved
        raise


def _loop_running_in_this_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _run_in_thread(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, run_to_completion(loop, coro)))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=target, name="hatchway-loop")
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


_runners: weakref.WeakSet[LoopRunner] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for runner in list(_runners):
        runner._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)

#: The loop every ASGI runner in this process shares.
process_loop = LoopRunner()
