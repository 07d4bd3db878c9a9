"""The ASGI HTTP cycle for streamed responses: each body chunk leaves as the app sends it.

A separate class from the buffered :class:`~hatchway.asgi.runner.HttpCycle` so
the buffered path stays as it is. ``receive`` is the same (inherited); ``send``
hands the head and every chunk to a :class:`ResponseSink` instead of keeping
them. The head goes out with the first ``http.response.body`` message, not
with ``http.response.start``: an app that fails between the two still gets a
clean error response, as nothing has left yet.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ..errors import ProtocolError
from ..http import Request
from .runner import AsgiRunner, HttpCycle

__all__ = ["AsgiStreamer", "ResponseSink"]

logger = logging.getLogger("hatchway.asgi")


class ResponseSink(Protocol):
    """Where a streamed response goes: the head once, then the body chunk by chunk."""

    def begin(self, status: int, headers: list[tuple[str, str]]) -> None: ...

    def write(self, chunk: bytes) -> None: ...


class StreamingCycle(HttpCycle):
    """``HttpCycle`` that forwards the response to a sink instead of buffering it."""

    __slots__ = ("begun", "sink")

    def __init__(self, body: bytes, sink: ResponseSink) -> None:
        super().__init__(body)
        self.sink = sink
        #: Whether the head went to the sink (after that, errors cannot change the status).
        self.begun = False

    def deliver(self, body: bytes) -> None:
        # The head leaves with the first body message, then every chunk as it comes.
        if not self.begun:
            self.begun = True
            self.sink.begin(self.status, self.headers)
        if body:
            self.sink.write(body)


class AsgiStreamer:
    """Runs a request through an :class:`AsgiRunner`'s app, streaming the response.

    Shares the runner's app, loop and lifespan, so buffered and streamed
    invocations see the same started app. Raises what the app raised (or
    :class:`~hatchway.errors.ProtocolError`) unless the response was already
    complete; :attr:`begun` on the sink's side tells whether bytes left.
    """

    def __init__(self, runner: AsgiRunner) -> None:
        self.runner = runner

    def __call__(self, request: Request, event: Any, context: Any, sink: ResponseSink) -> None:
        self.runner.loops.run(self.stream(request, event, context, sink))

    async def stream(self, request: Request, event: Any, context: Any, sink: ResponseSink) -> None:
        cycle = StreamingCycle(request.body, sink)
        await self.runner.run_app(cycle, request, event, context)
        if not cycle.complete:
            stage = "started but unfinished" if cycle.status else "never started"
            raise ProtocolError(f"the app returned with its streamed response {stage}")
