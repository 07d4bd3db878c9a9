"""One invocation: pick the event's source, parse, run the app, render, and
guard the response size. The base of :class:`~hatchway.Adapter`, which checks
the options and sets what this reads; apart so the compiled build (setup.py)
can compile the per-invocation path while the option checks stay Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from ._log import LazyLogger
from ._typing import TYPE_CHECKING
from .errors import BadRequest, DeadlineExceeded, LifespanFailure, UnsupportedEvent
from .http import Request, Response
from .limits import SYNC_INVOKE_LIMIT, fits
from .passthrough import is_websocket_event

if TYPE_CHECKING:
    from typing import Any

    from .passthrough import Passthrough
    from .sources.base import SourceOptions
    from .sources.protocols import Source

    Runner = Callable[[Request, Any, Any], Response]

__all__ = ["Dispatch"]

logger = LazyLogger("hatchway")
#: One line per request at INFO, only with ``Adapter(access_log=True)``.
access_logger = LazyLogger("hatchway.access")

_PLAIN_TEXT = [("content-type", "text/plain; charset=utf-8")]


def _plain(status: int, text: str) -> Response:
    return Response(status, list(_PLAIN_TEXT), text.encode("utf-8"))


def _request_id(context: Any) -> str:
    return str(getattr(context, "aws_request_id", None) or "-")


class Dispatch:
    """Runs one invocation with the settings an :class:`~hatchway.Adapter` made."""

    errors: str
    access_log: bool
    options: SourceOptions
    exclude_headers: frozenset[str]
    sources: tuple[Source, ...]
    passthrough: Passthrough | None
    runner: Runner
    #: Whether the last event's source may be tried first (built-in sources only).
    _remember_source: bool
    _last_source: Source | None
    #: Each source's response size limit, when it has its own (per event).
    _limits: dict[Source, Callable[[Any], int]]

    def source_for(self, event: Any) -> Source:
        """The first source that recognises ``event``; ``UnsupportedEvent`` if none."""
        if isinstance(event, (dict, Mapping)):
            # A function sits behind one service: its next event is most likely
            # of the same source as the last. The built-in sources never claim
            # the same event, so trying that one first cannot change the answer.
            last = self._last_source
            if last is not None and last.matches(event):
                return last
            for source in self.sources:
                if source.matches(event):
                    if self._remember_source:
                        self._last_source = source
                    return source
            if is_websocket_event(event):
                raise UnsupportedEvent(
                    event,
                    (s.name for s in self.sources),
                    "API Gateway WebSocket events are not supported: hatchway serves HTTP "
                    "requests; route WebSocket APIs to a separate handler",
                )
        raise UnsupportedEvent(event, (s.name for s in self.sources))

    def __call__(self, event: Any, context: Any = None) -> Any:
        source = self._last_source
        # source_for()'s first guess, without its call: the usual invocation.
        if source is None or type(event) is not dict or not source.matches(event):
            try:
                source = self.source_for(event)
            except UnsupportedEvent:
                if self.passthrough is None or is_websocket_event(event):
                    raise
                return self.passthrough(event, context, self._run)
        options = self.options
        try:
            request = source.parse(event, options)
        except BadRequest as exc:
            logger.warning("400 Bad Request (request id %s): %s", _request_id(context), exc)
            return source.render(_plain(400, "Bad Request"), event, options)
        started = time.perf_counter() if self.access_log else 0.0
        try:  # what _run() does, without its call on every request
            response = self.runner(request, event, context)
        except Exception as exc:
            response = self.error_response(exc, request, context)
        if self.exclude_headers:
            excluded = self.exclude_headers
            response.headers = [h for h in response.headers if h[0].lower() not in excluded]
        result = source.render(response, event, options)
        limit_of = self._limits.get(source)
        limit = limit_of(event) if limit_of is not None else SYNC_INVOKE_LIMIT
        within, size = fits(result, response.headers, limit)
        if not within:
            logger.error(
                "500 Internal Server Error: the %s response to %s %s is %d bytes, over the "
                "%d-byte limit (request id %s)",
                source.name,
                request.method,
                request.path,
                size,
                limit,
                _request_id(context),
            )
            response = _plain(500, "Internal Server Error: response too large")
            result = source.render(response, event, options)
        if self.access_log:
            access_logger.info(
                "%s %s %d %.1fms %d bytes (request id %s)",
                request.method,
                request.path,
                response.status,
                (time.perf_counter() - started) * 1000,
                len(response.body),
                _request_id(context),
            )
        return result

    def _run(self, request: Request, event: Any, context: Any) -> Response:
        try:
            return self.runner(request, event, context)
        except Exception as exc:
            return self.error_response(exc, request, context)

    def error_response(self, exc: Exception, request: Request, context: Any) -> Response:
        """The answer to an app that failed with ``exc``, logged with the request
        id; ``exc`` is raised again where the invocation itself must fail (a failed
        lifespan startup; any app error with ``errors="raise"``)."""
        request_id = _request_id(context)
        if isinstance(exc, LifespanFailure):
            logger.error("lifespan startup failed (request id %s)", request_id)
            raise exc
        if isinstance(exc, DeadlineExceeded):
            logger.error(
                "504 Gateway Timeout: %s %s: %s (request id %s)",
                request.method,
                request.path,
                exc,
                request_id,
            )
            response = _plain(504, "Gateway Timeout")
        else:
            logger.error(
                "500 Internal Server Error: %s %s failed (request id %s)",
                request.method,
                request.path,
                request_id,
                exc_info=exc,
            )
            response = _plain(500, "Internal Server Error")
        if self.errors == "raise":
            raise exc
        return response
