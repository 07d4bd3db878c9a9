"""The ASGI HTTP cycle: a Request in, a Response out."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from asgiref.compatibility import guarantee_single_callable
from asgiref.typing import (
    ASGI3Application,
    ASGIApplication,
    ASGISendEvent,
    HTTPDisconnectEvent,
    HTTPRequestEvent,
    Scope,
)

from ..errors import DeadlineExceeded, ProtocolError
from ..http import Request, Response
from ..log import request_id_of
from .deadline import arm as arm_deadline
from .lifespan import Lifespan, LifespanMode
from .loop import LoopRunner, process_loop
from .messages import check_headers, check_status, http_scope

__all__ = ["AsgiRunner", "HttpCycle"]

logger = logging.getLogger("hatchway.asgi")

_DISCONNECT: HTTPDisconnectEvent = {"type": "http.disconnect"}


class HttpCycle:
    """One request/response exchange: what the app receives and what it sends."""

    __slots__ = ("_waiter", "body", "chunks", "complete", "headers", "status")

    def __init__(self, body: bytes) -> None:
        self.body: bytes | None = body
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.complete = False
        self._waiter: asyncio.Future[None] | None = None

    async def receive(self) -> HTTPRequestEvent | HTTPDisconnectEvent:
        body = self.body
        if body is not None:
            self.body = None
            return {"type": "http.request", "body": body, "more_body": False}
        # The whole body was delivered: the client "disconnects" only once the
        # response is complete. Answering at once would cut streaming responses short.
        if not self.complete:
            if self._waiter is None:
                self._waiter = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._waiter)
        return _DISCONNECT

    async def send(self, event: ASGISendEvent) -> None:
        message: Any = event  # what the app sends is checked field by field here
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "http.response.body" and self.status and not self.complete:
            body = message.get("body", b"")
            if not isinstance(body, bytes):
                raise ProtocolError(
                    f"http.response.body 'body' must be bytes, not {type(body).__name__}"
                )
            self.deliver(body)
            if not message.get("more_body", False):
                self.complete = True
                if self._waiter is not None and not self._waiter.done():
                    self._waiter.set_result(None)
        elif kind == "http.response.start" and not self.status:
            self.headers = check_headers(message.get("headers", ()))
            self.status = check_status(message.get("status"))
        else:
            state = (
                "after the response completed"
                if self.complete
                else (
                    "before http.response.start" if not self.status else "after http.response.start"
                )
            )
            raise ProtocolError(f"unexpected ASGI message {kind!r} {state}")

    def deliver(self, body: bytes) -> None:
        """Keep one body chunk (streaming cycles send it on instead)."""
        if body:
            self.chunks.append(body)

    def response(self) -> Response:
        if not self.complete:
            stage = "started but unfinished" if self.status else "never started"
            raise ProtocolError(f"the app returned with its response {stage}")
        return Response(self.status, self.headers, b"".join(self.chunks))


class AsgiRunner:
    """Runs an ASGI app on the process's private loop, lifespan included."""

    def __init__(
        self,
        app: ASGIApplication,
        lifespan: LifespanMode = "auto",
        loops: LoopRunner | None = None,
        *,
        timeout_margin: float | None = None,
        raise_late_errors: bool = False,
    ) -> None:
        # ASGI 2 apps (a class instantiated with the scope) are wrapped.
        self.app: ASGI3Application = guarantee_single_callable(app)  # type: ignore[no-untyped-call]
        self.loops = loops if loops is not None else process_loop
        self.lifespan = Lifespan(self.app, lifespan, self.loops) if lifespan != "off" else None
        #: Seconds before the invocation's deadline at which the app is cancelled (None: never).
        self.timeout_margin = timeout_margin
        #: Re-raise an app error even when its response was complete (errors="raise").
        self.raise_late_errors = raise_late_errors

    def start_lifespan(self) -> None:
        """Run the lifespan startup now unless it ran (``LifespanFailure`` if it fails)."""
        if self.lifespan is not None:
            self.loops.run(self.lifespan.ensure_started())

    def stop_lifespan(self) -> None:
        """Run the lifespan shutdown now if startup ran (``LifespanFailure`` if it fails)."""
        if self.lifespan is not None:
            self.loops.run(self.lifespan.shutdown(strict=True))

    def __call__(self, request: Request, event: Any, context: Any) -> Response:
        cycle = HttpCycle(request.body)
        self.loops.run(self.run_app(cycle, request, event, context))
        return cycle.response()

    def scope(self, request: Request, event: Any, context: Any) -> Scope:
        lifespan = self.lifespan
        state = lifespan.state.copy() if lifespan is not None else {}
        # An HTTPScope with the extension keys "aws.event" and "aws.context".
        return cast("Scope", http_scope(request, state, event, context))

    async def run_app(self, cycle: HttpCycle, request: Request, event: Any, context: Any) -> None:
        """Run the app for one request over ``cycle``: lifespan started first, the
        deadline armed, an error after a complete response logged, not raised."""
        deadline = arm_deadline(context, self.timeout_margin, request, _RUN_APP, self.loops.loop)
        lifespan = self.lifespan
        try:
            if lifespan is not None and not lifespan.settled:
                # A startup left for a request is bounded by its deadline too.
                await lifespan.ensure_started()
            await self.app(self.scope(request, event, context), cycle.receive, cycle.send)
        except asyncio.CancelledError:
            if deadline is None or not deadline.expired:
                raise
            deadline.uncancel()
            if lifespan is not None and not lifespan.settled:
                raise DeadlineExceeded(
                    f"the lifespan startup did not finish {self.timeout_margin} s before the "
                    "invocation's deadline; it was cancelled and the next request runs it again"
                ) from None
            if not cycle.complete:
                raise DeadlineExceeded(
                    f"the app was cancelled {self.timeout_margin} s before the invocation's "
                    "deadline, its response unfinished",
                    deadline.stack,
                ) from None
            logger.warning(
                "the ASGI app was cancelled at the deadline after sending its response "
                "(the client got status %d): %s %s (request id %s)",
                cycle.status,
                request.method,
                request.path,
                request_id_of(context),
            )
        except Exception:
            if not cycle.complete or self.raise_late_errors:
                raise
            # The whole response is sent (an app's error handler answered it,
            # as Starlette's does, then re-raised): keep it, report the error.
            logger.exception(
                "the ASGI app raised after sending its response (the client got status %d): "
                "%s %s (request id %s)",
                cycle.status,
                request.method,
                request.path,
                request_id_of(context),
            )
        finally:
            if deadline is not None:
                deadline.disarm()


#: Where the app is called: stacks in timeout reports start there.
_RUN_APP = AsgiRunner.run_app.__code__
