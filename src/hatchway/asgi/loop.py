"""One private event loop per process, reused by every invocation.

Reusing the loop keeps clients and pools bound to it alive between warm
invocations. It is never the thread's "current" loop, so nothing here goes
through the ``get_event_loop()`` paths that warn on Python 3.12+, and code that
called ``asyncio.run()`` before cannot break it. After a fork the child gets a
new loop (the parent's cannot be shared).
"""

from __future__ import annotations

import asyncio
import collections
import os
import sys
import threading
import weakref
from asyncio.events import _get_running_loop, _set_running_loop
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
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = asyncio.new_event_loop()
        return loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
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
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self.loop
        if asyncio._get_running_loop() is None:  # no exception raised on the usual path
            return run_to_completion(loop, coro)
        return _run_in_thread(loop, coro)

    def _after_fork(self) -> None:
        # The parent's loop shares file descriptors with the parent: drop it, don't close it.
        self._loop = None
        self._lock = threading.Lock()
        self.generation += 1


def run_to_completion(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """``loop.run_until_complete(coro)``, without the passes it adds.

    ``run_until_complete`` hears of the end through a done-callback, which
    costs one more pass of the loop (and its selector poll) per invocation,
    and ``run_forever()`` sets up and tears down around it. Here the loop's
    own pass (``_run_once``: poll, due timers, ready callbacks) runs until the
    task is done, inside the same running-loop state ``run_forever()`` sets.
    The task's first step needs no pass: on Python 3.12+ it runs eagerly when
    the task is created; before, the callbacks ready then (the step among
    them) run as a pass would run them, without its poll. So an app that
    never waits on I/O costs no pass at all. Measured on this project's 2-core
    VM, a trivial coroutine: CPython 3.11, ~9.6 us with a first pass, ~5.5 us
    without; CPython 3.12, ~11 us through ``run_until_complete``, ~1.3 us
    with the eager first step. Loops without that pass (uvloop, another make)
    and debug mode keep ``run_forever()``.

    Without a pass, timers that came due and I/O that arrived meanwhile wait
    for the next call that does wait (as tasks the app spawned always have).
    A KeyboardInterrupt or SystemExit raised by an eager first step leaves the
    task's constructor, so the task is out of reach: the interrupt propagates
    as always, and asyncio may log the task's exception as never retrieved.
    """
    state: Any = loop
    cached_loop, hooks = _hooks_cache
    if cached_loop is not loop or state._debug:  # the usual call: the loop driven last time
        driver_hooks = _driver_hooks(loop)
        if driver_hooks is None:
            return _run_forever_until_done(loop, coro)
        hooks = driver_hooks
    if state._closed:
        raise RuntimeError("Event loop is closed")
    if state._thread_id is not None or _get_running_loop() is not None:
        raise RuntimeError("This event loop is already running")
    task: asyncio.Task[T] | None = None
    old_hooks = sys.get_asyncgen_hooks()
    try:
        # What run_forever() sets while it runs, and restores after.
        state._thread_id = threading.get_ident()
        sys.set_asyncgen_hooks(*hooks)
        _set_running_loop(loop)
        if _EAGER_START:
            # The task's first step runs here, as in the first pass it would
            # have had: an app that never waits is done without any pass.
            task = asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg,unused-ignore]
        else:
            # A Task of its own, as on 3.12 (no task factory: the loop is private).
            task = asyncio.Task(coro, loop=loop)
            # Its first step without the pass's poll, as an eager start takes it:
            # the callbacks ready before it run first, as a pass runs them; the
            # step itself (just scheduled, last) runs straight in its context.
            ready = state._ready
            step = ready.pop()
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
            step._context.run(step._callback, *step._args)
        run_once = state._run_once
        while not task.done():
            run_once()
            if state._stopping:  # the app called loop.stop(): run_forever() would end here
                break
    except BaseException:
        if task is not None and task.done() and not task.cancelled():
            task.exception()  # retrieved: asyncio must not log it as never retrieved
        raise
    finally:
        state._stopping = False
        state._thread_id = None
        _set_running_loop(None)
        sys.set_asyncgen_hooks(*old_hooks)
    if not task.done():
        raise RuntimeError("the event loop stopped before the invocation completed")
    return task.result()


#: Python 3.12+: a task can take its first step when created (eager start).
_EAGER_START = sys.version_info >= (3, 12)

#: Per loop class: whether it has the pass run_to_completion drives.
_drivable_classes: dict[type[Any], bool] = {}

Hooks = tuple[Any, Any]
#: The last loop driven and its asyncgen hooks (firstiter, finalizer): bound
#: methods made once, not on every invocation.
_hooks_cache: tuple[asyncio.AbstractEventLoop | None, Hooks] = (None, (None, None))


def _drivable(loop: asyncio.AbstractEventLoop) -> bool:
    kind = type(loop)
    known = _drivable_classes.get(kind)
    if known is None:
        known = _drivable_classes[kind] = (
            isinstance(loop, asyncio.BaseEventLoop)
            and callable(getattr(loop, "_run_once", None))
            and callable(getattr(loop, "_asyncgen_firstiter_hook", None))
            and callable(getattr(loop, "_asyncgen_finalizer_hook", None))
            and hasattr(loop, "_thread_id")
            and isinstance(getattr(loop, "_closed", None), bool)
            and isinstance(getattr(loop, "_stopping", None), bool)
            and isinstance(getattr(loop, "_debug", None), bool)
            and isinstance(getattr(loop, "_ready", None), collections.deque)
        )
    # Debug mode: run_forever() also tracks coroutine origins and slow callbacks.
    return known and not loop.get_debug()


def _driver_hooks(loop: asyncio.AbstractEventLoop) -> Hooks | None:
    """The asyncgen hooks run_forever() would install for ``loop``, or None
    when run_to_completion cannot drive it (see :func:`_drivable`)."""
    global _hooks_cache
    cached_loop, hooks = _hooks_cache
    if cached_loop is not loop:
        if not _drivable(loop):
            return None
        state: Any = loop
        hooks = (state._asyncgen_firstiter_hook, state._asyncgen_finalizer_hook)
        _hooks_cache = (loop, hooks)
    elif loop._debug:  # type: ignore[attr-defined]  # a drivable loop: checked above
        return None
    return hooks


def _run_forever_until_done(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """The same through the public API: the coroutine stops the loop itself, so
    ``run_forever()`` ends with the pass that finished it."""
    driving = [True]

    async def stop_when_done() -> T:
        try:
            return await coro
        finally:
            # Not once this call is over: a task left behind by an interrupted
            # call must not stop a later call's run_forever() after one pass.
            if driving[0]:
                loop.stop()

    task = loop.create_task(stop_when_done())
    try:
        loop.run_forever()
    except BaseException:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: asyncio must not log it as never retrieved
        raise
    finally:
        driving[0] = False
    if not task.done():
        raise RuntimeError("the event loop stopped before the invocation completed")
    return task.result()


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
