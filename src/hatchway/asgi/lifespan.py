"""ASGI lifespan, once per execution environment.

Startup runs once: while the Adapter is built in Lambda's INIT phase, or the
first time a request needs the app (see hatchway.lifecycle); its ``state`` is
shallow-copied into each request scope. A failed startup on a request fails
that invocation and is tried again on the next; one cut short by the
invocation's deadline is cancelled and starts over on the next. Shutdown runs
when Lambda sends SIGTERM (any handler already installed is chained), at
interpreter exit, or before a SnapStart snapshot.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Literal

from asgiref.typing import ASGI3Application, ASGIReceiveEvent, ASGISendEvent, LifespanScope

from ..errors import LifespanFailure
from .loop import LoopRunner

__all__ = ["Lifespan", "LifespanMode"]

logger = logging.getLogger("hatchway.lifespan")

LifespanMode = Literal["auto", "on", "off"]


#: How long shutdown may take before we give up on it. On SIGTERM Lambda gives
#: the runtime process 300 ms (500 ms with an internal extension) before
#: SIGKILL, and the handlers chained after ours need some of it.
SHUTDOWN_TIMEOUT = 0.2


class Lifespan:
    """The lifespan protocol for one app, on the process's private loop."""

    def __init__(self, app: ASGI3Application, mode: LifespanMode, loops: LoopRunner) -> None:
        self.app = app
        self.mode = mode
        self.loops = loops
        #: The state the app set during startup; copied into every request scope.
        self.state: dict[str, Any] = {}
        self.started = False
        self.unsupported = False
        self._generation = -1
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[ASGIReceiveEvent] | None = None
        self._from_app: asyncio.Queue[ASGISendEvent] | None = None

    @property
    def settled(self) -> bool:
        """Whether startup needs nothing more in this process (it succeeded, or
        the app has no lifespan): a plain check that spares the hot path an await."""
        return (self.started or self.unsupported) and self._generation == self.loops.generation

    async def ensure_started(self) -> None:
        """Run startup unless it already succeeded in this process."""
        if self._generation != self.loops.generation:
            self._forget()  # forked: the parent's lifespan task is not ours
            self._generation = self.loops.generation
        if self.started or self.unsupported:
            return
        await self._startup()

    def _forget(self) -> None:
        self.state = {}
        self.started = False
        self._task = None

    async def _startup(self) -> None:
        self.state = {}
        self._to_app = asyncio.Queue()
        self._from_app = asyncio.Queue()
        scope: LifespanScope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        self._task = asyncio.ensure_future(self.app(scope, self._to_app.get, self._from_app.put))
        self._task.set_name("hatchway-lifespan")
        await self._to_app.put({"type": "lifespan.startup"})
        try:
            message, error = await self._next_message()
        except asyncio.CancelledError:
            # The invocation's deadline came first (or the caller was
            # cancelled): stop this startup, so the next one starts over
            # instead of a second lifespan task running beside it.
            logger.warning(
                "lifespan startup cancelled before it finished; the next request runs it again"
            )
            await self._discard_task(timeout=SHUTDOWN_TIMEOUT)
            raise
        kind = message.get("type") if message is not None else None
        if kind == "lifespan.startup.complete":
            self.started = True
            _registry.add(self)
            logger.debug("lifespan startup complete")
            return
        await self._discard_task()
        if kind == "lifespan.startup.failed":
            reason = message.get("message", "") if message is not None else ""
            raise LifespanFailure(f"lifespan startup failed: {reason or 'no reason given'}")
        if self.mode == "auto" and not str(kind).startswith("lifespan."):
            # No lifespan support: the app raised or returned on the lifespan
            # scope, or answered it as if it were a request (the minimal app
            # that never looks at scope["type"]). Asked once per process.
            self.unsupported = True
            if message is not None:
                logger.info(
                    "the app answered the lifespan scope with %r: it does not support "
                    "lifespan; continuing without it",
                    kind,
                )
            elif error is not None:
                logger.warning(
                    "the app raised on the lifespan scope; continuing without lifespan "
                    "(lifespan='on' makes this an error, lifespan='off' skips it)",
                    exc_info=error,
                )
            else:
                logger.info("the app returned on the lifespan scope: continuing without lifespan")
            return
        if message is not None:
            raise LifespanFailure(f"unexpected lifespan message during startup: {kind!r}")
        what = f"raised {error!r}" if error is not None else "returned"
        raise LifespanFailure(
            f"lifespan startup failed: the app {what} before completing startup"
        ) from error

    async def _next_message(
        self, timeout: float | None = None
    ) -> tuple[dict[str, Any] | None, BaseException | None]:
        """The app's next lifespan message, or ``(None, error)`` if it finished first."""
        assert self._from_app is not None
        assert self._task is not None
        getter = asyncio.ensure_future(self._from_app.get())
        try:
            done, _ = await asyncio.wait(
                {getter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            getter.cancel()  # or it would take the app's next message from whoever asks next
            raise
        if getter in done:
            message: Any = getter.result()  # what the app sent, checked by the caller
            return message, None
        getter.cancel()
        if self._task in done:
            if self._task.cancelled():
                return None, asyncio.CancelledError()
            return None, self._task.exception()
        return None, TimeoutError(f"no answer within {timeout} seconds")

    async def _discard_task(self, timeout: float | None = None) -> None:
        """Cancel the lifespan task unless it is done, and reap it, waiting at
        most ``timeout`` seconds (an app may ignore the cancellation)."""
        task = self._task
        self._task = None
        if task is None:
            return
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=timeout)
        # The app's error was reported already (Starlette sends its traceback
        # as the failure message, then raises): only retrieve it, so asyncio
        # does not log it again as "never retrieved".
        if task.done() and not task.cancelled():
            task.exception()

    async def shutdown(self, *, strict: bool = False) -> None:
        """Send ``lifespan.shutdown`` and wait for the app's answer, at most
        :data:`SHUTDOWN_TIMEOUT` seconds in all; errors are logged, and with
        ``strict`` raised as :class:`LifespanFailure` too (before a SnapStart
        snapshot, where what the app failed to close would be frozen in)."""
        if not self.started or self._task is None or self._to_app is None:
            return
        self.started = False
        _registry.discard(self)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + SHUTDOWN_TIMEOUT
        await self._to_app.put({"type": "lifespan.shutdown"})
        message, error = await self._next_message(timeout=SHUTDOWN_TIMEOUT)
        kind = message.get("type") if message is not None else None
        failure = None
        if kind == "lifespan.shutdown.failed":
            failure = f"lifespan shutdown failed: {(message or {}).get('message', '')}"
        elif kind != "lifespan.shutdown.complete":
            failure = f"lifespan shutdown did not complete: {error or kind!r}"
        if failure is not None:
            logger.error("%s", failure)
        await self._discard_task(timeout=max(0.0, give_up - loop.time()))
        if failure is not None and strict:
            raise LifespanFailure(failure)


class _Registry:
    """Started lifespans of this process, shut down on SIGTERM or exit."""

    def __init__(self) -> None:
        self._items: list[Lifespan] = []
        self._hooked = False
        self._lock = threading.Lock()

    def add(self, lifespan: Lifespan) -> None:
        with self._lock:
            if lifespan not in self._items:
                self._items.append(lifespan)
            if not self._hooked:
                self._hooked = True
                atexit.register(self.shutdown_all)
                _install_sigterm(self.shutdown_all)

    def discard(self, lifespan: Lifespan) -> None:
        with self._lock:
            if lifespan in self._items:
                self._items.remove(lifespan)

    def shutdown_all(self) -> None:
        for lifespan in list(self._items):
            ran, _ = lifespan.loops.try_run(lifespan.shutdown())
            if not ran:
                logger.warning("lifespan shutdown skipped: an invocation is still running")

    def _after_fork(self) -> None:
        self._items = []
        self._lock = threading.Lock()


_registry = _Registry()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_registry._after_fork)


def _install_sigterm(shutdown: Callable[[], None]) -> None:
    """Run ``shutdown`` on SIGTERM, then whatever handled SIGTERM before."""
    try:
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            shutdown()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:
        # Not the main thread: only the interpreter-exit hook will run shutdown.
        logger.debug("SIGTERM handler not installed: not in the main thread")
