"""Streamed responses: Lambda's HTTP integration stream format, both directions.

A function answering a Function URL in ``RESPONSE_STREAM`` mode (or a REST API
with response streaming) sends, with the content type
``application/vnd.awslambda.http-integration-response``: a JSON prelude with
the status and headers (see each source's ``render_prelude``), eight NUL
bytes, then the body bytes as they are produced.

- Function side: :class:`StreamingHandler` runs an :class:`~hatchway.Adapter`'s
  ASGI app for one event and writes that format to a byte sink (the runtime
  loop's chunked POST to the Runtime API; a buffer in tests).
- Gateway side: :class:`PreludeReader` finds the prelude in arriving bytes and
  :func:`read_streamed` turns a whole streamed payload into a
  :class:`~hatchway.http.Response` (the local gateway and ``hatchway.testing``).

Nothing here imports asyncio until an ASGI app is streamed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from .http import Response
from .log import LazyLogger, RequestFields, invocation, request_id_of

if TYPE_CHECKING:
    from .adapter import Adapter
    from .sources.base import Event, StreamingSource

__all__ = [
    "DELIMITER",
    "PRELUDE_CONTENT_TYPE",
    "ByteSink",
    "PreludeReader",
    "PreludeSink",
    "StreamingHandler",
    "read_prelude",
    "read_streamed",
]

logger = LazyLogger("hatchway")

#: The content type of a stream that starts with a prelude.
PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
#: What separates the prelude from the body.
DELIMITER = b"\0" * 8


class ByteSink(Protocol):
    """Where the streamed bytes go."""

    def write(self, data: bytes) -> None: ...


class PreludeSink:
    """Writes the prelude when the response head is known, then the body chunks."""

    __slots__ = ("adapter", "begun", "event", "out", "size", "source", "status")

    def __init__(
        self, adapter: Adapter, source: StreamingSource, event: Event, out: ByteSink
    ) -> None:
        self.adapter = adapter
        self.source = source
        self.event = event
        self.out = out
        #: Whether the prelude left (after that, errors cannot change the status).
        self.begun = False
        self.status = 0
        #: Body bytes written, for the access log.
        self.size = 0

    def begin(self, status: int, headers: list[tuple[str, str]]) -> None:
        import json

        self.begun = True
        self.status = status
        adapter = self.adapter
        prelude = self.source.render_prelude(
            status, adapter.outgoing_headers(headers), self.event, adapter.options
        )
        self.out.write(json.dumps(prelude, separators=(",", ":")).encode("utf-8") + DELIMITER)

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.out.write(chunk)

    def respond(self, response: Response) -> None:
        """A whole response of hatchway's own (an error), in the stream format."""
        self.begin(response.status, response.headers)
        if response.body:
            self.write(response.body)


class StreamingHandler:
    """Streams an :class:`~hatchway.Adapter`'s responses for the sources it names.

    Built once per process (by the runtime loop): :meth:`source_for` tells
    whether an event streams; :meth:`__call__` runs it, through the Adapter's
    own steps (its early answers, error responses, excluded headers and access
    log). Errors follow the Adapter's: before the first byte an app error
    becomes a 500 response (or propagates with ``errors="raise"``); after it,
    the error propagates and the caller reports it (the runtime loop through
    the error trailers).
    """

    def __init__(self, adapter: Adapter) -> None:
        from .asgi.runner import AsgiRunner
        from .asgi.streaming import AsgiStreamer

        if not isinstance(adapter.runner, AsgiRunner):
            raise ValueError("streaming needs an ASGI app; this Adapter runs a WSGI app")
        self.adapter = adapter
        self.streamer = AsgiStreamer(adapter.runner)
        #: Whether the sources of each class stream, by class (see source_for).
        self._streams: dict[type, bool] = {}

    def source_for(self, event: Any) -> StreamingSource | None:
        """The source to stream ``event`` through, or None to answer it buffered."""
        from .errors import UnsupportedEvent
        from .sources.base import StreamingSource

        adapter = self.adapter
        if not adapter.streaming:
            return None
        try:
            source = adapter.source_for(event)
        except UnsupportedEvent:
            return None  # the buffered path reports it (or passes it through)
        # Once per source class: isinstance against a Protocol is slow.
        streams = self._streams.get(type(source))
        if streams is None:
            streams = source.name in adapter.streaming and isinstance(source, StreamingSource)
            self._streams[type(source)] = streams
        return cast("StreamingSource", source) if streams else None

    def __call__(self, source: StreamingSource, event: Event, context: Any, out: ByteSink) -> None:
        """Stream the answer to ``event`` into ``out``. An app error after the
        first byte is logged and propagates: the response cannot change any more."""
        # As in Adapter.__call__: log lines written deep inside name the invocation.
        token = invocation.set(RequestFields(None, context))
        try:
            self._stream(source, event, context, out)
        finally:
            invocation.reset(token)

    def _stream(self, source: StreamingSource, event: Event, context: Any, out: ByteSink) -> None:
        adapter = self.adapter
        sink = PreludeSink(adapter, source, event, out)
        request = adapter.request_for(source, event, context)
        if isinstance(request, Response):
            sink.respond(request)
            return
        started = time.perf_counter() if adapter.access_log else 0.0
        try:
            self.streamer(request, event, context, sink)
        except BaseException as exc:  # SystemExit & co. too: see Adapter.run_app
            if sink.begun:
                logger.exception(
                    "streamed response interrupted: %s %s failed after the first byte "
                    "(request id %s)",
                    request.method,
                    request.path,
                    request_id_of(context),
                )
                raise
            sink.respond(adapter.error_response(exc, request, context))
        adapter.log_access(request, sink.status, sink.size, started, context)


# The gateway direction.


class PreludeReader:
    """Finds the prelude at the start of a stream fed in pieces.

    :meth:`feed` returns None until the delimiter has arrived, then
    ``(prelude, rest)``: the decoded prelude and the body bytes that came with
    it. ``limit`` bounds the bytes searched (API Gateway requires the prelude
    within the first 16 KB).
    """

    def __init__(self, limit: int = 1024 * 1024) -> None:
        self.limit = limit
        self._buffer = b""

    def feed(self, data: bytes) -> tuple[Any, bytes] | None:
        import json

        self._buffer += data
        head, found, rest = self._buffer.partition(DELIMITER)
        if not found:
            if len(self._buffer) > self.limit:
                raise ValueError(f"no prelude delimiter in the first {self.limit} bytes")
            return None
        try:
            prelude = json.loads(head)
        except ValueError as exc:
            raise ValueError(f"the stream's prelude is not JSON: {exc}") from exc
        return prelude, rest

    @property
    def pending(self) -> bytes:
        """What was fed and not yet handed back (all of it, before the delimiter)."""
        return self._buffer


def read_prelude(prelude: Any, source: str) -> tuple[int, list[tuple[str, str]]]:
    """The status and headers a gateway makes of a prelude: ``statusCode``
    (200 when absent), ``headers``, ``multiValueHeaders`` and ``cookies``
    (each a Set-Cookie header)."""
    from .sources import gateway
    from .sources.base import MalformedResponse

    if not isinstance(prelude, Mapping):
        raise MalformedResponse(502, f"the {source} stream prelude is not a JSON object")
    status = gateway.read_status(prelude, source) if "statusCode" in prelude else 200
    headers: list[tuple[str, str]] = []
    for field in ("headers", "multiValueHeaders"):
        values = prelude.get(field) or {}
        if not isinstance(values, Mapping):
            raise MalformedResponse(502, f"the {source} stream prelude's {field} is not an object")
        for name, value in values.items():
            headers.extend(
                (str(name), v) for v in gateway.response_header_values(value, name, source)
            )
    cookies = prelude.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedResponse(502, f"the {source} stream prelude's cookies are not strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    return status, headers


def read_streamed(payload: bytes, source: str, content_type: str | None = None) -> Response:
    """The HTTP response a gateway makes of a whole streamed payload.

    With the prelude content type (the default), the prelude gives the status
    and headers; any other content type is passed on as the only header, the
    payload as the body, status 200.
    """
    if content_type is not None and content_type != PRELUDE_CONTENT_TYPE:
        return Response(200, [("content-type", content_type)], payload)
    found = PreludeReader(limit=len(payload)).feed(payload)
    if found is None:
        from .sources.base import MalformedResponse

        raise MalformedResponse(502, f"the {source} stream has no prelude delimiter")
    prelude, body = found
    status, headers = read_prelude(prelude, source)
    return Response(status, headers, body)
