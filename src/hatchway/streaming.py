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

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from ._log import LazyLogger, RequestFields, invocation, request_id_of
from .errors import BadRequest
from .http import Response, plain_response
from .passthrough import refusal

if TYPE_CHECKING:
    from .adapter import Adapter
    from .sources.base import Event, StreamingSource

__all__ = [
    "DELIMITER",
    "PRELUDE_CONTENT_TYPE",
    "ByteSink",
    "PreludeReader",
    "StreamingHandler",
    "read_prelude",
    "read_streamed",
    "streaming_sources",
]

logger = LazyLogger("hatchway")

#: The content type of a stream that starts with a prelude.
PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
#: What separates the prelude from the body.
DELIMITER = b"\0" * 8
#: ``streaming=True``: the sources that stream when nothing else is said.
_DEFAULT_SOURCES = frozenset({"function-url"})


def streaming_sources(
    streaming: bool | Iterable[str], interface: str, can_stream: Iterable[str] = ()
) -> frozenset[str]:
    """The ``Adapter(streaming=...)`` option as a set of source names, each one
    of ``can_stream`` (the sources with a streamed response format)."""
    if streaming is False or streaming is None:
        return frozenset()
    if streaming is True:
        names = _DEFAULT_SOURCES
    elif isinstance(streaming, str) or not isinstance(streaming, Iterable):
        raise TypeError(
            f"streaming takes True or a list of source names such as ['function-url'], "
            f"not {streaming!r}"
        )
    else:
        names = frozenset(streaming)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"streaming takes source names, not {type(name).__name__}")
        allowed = sorted(set(can_stream))
        for name in sorted(names):
            if name not in allowed:
                raise ValueError(
                    f"streaming names {name!r}, which cannot stream; choose from "
                    f"{', '.join(map(repr, allowed))}"
                )
    if names and interface != "asgi":
        raise ValueError("streaming needs an ASGI app; this app is WSGI")
    return names


class ByteSink(Protocol):
    """Where the streamed bytes go."""

    def write(self, data: bytes) -> None: ...


class _PreludeSink:
    """Writes the prelude when the response head is known, then the body chunks."""

    __slots__ = ("begun", "event", "handler", "out", "source")

    def __init__(
        self, handler: StreamingHandler, source: StreamingSource, event: Event, out: ByteSink
    ) -> None:
        self.handler = handler
        self.source = source
        self.event = event
        self.out = out
        self.begun = False

    def begin(self, status: int, headers: list[tuple[str, str]]) -> None:
        import json

        self.begun = True
        excluded = self.handler.adapter.exclude_headers
        if excluded:
            headers = [h for h in headers if h[0].lower() not in excluded]
        prelude = self.source.render_prelude(
            status, headers, self.event, self.handler.adapter.options
        )
        self.out.write(json.dumps(prelude, separators=(",", ":")).encode("utf-8") + DELIMITER)

    def write(self, chunk: bytes) -> None:
        self.out.write(chunk)

    def respond(self, response: Response) -> None:
        """A whole response of hatchway's own (an error), in the stream format."""
        self.begin(response.status, response.headers)
        if response.body:
            self.write(response.body)


class StreamingHandler:
    """Streams an :class:`~hatchway.Adapter`'s responses for the sources it names.

    Built once per process (by the runtime loop): :meth:`source_for` tells
    whether an event streams; :meth:`__call__` runs it. Errors follow the
    Adapter's: before the first byte an app error becomes a 500 response
    (or propagates with ``errors="raise"``); after it, the error propagates
    and the caller reports it (the runtime loop through the error trailers).
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
        fields = RequestFields(None, context)
        token = invocation.set(fields)
        try:
            self._stream(source, event, context, out, fields)
        finally:
            invocation.reset(token)

    def _stream(
        self,
        source: StreamingSource,
        event: Event,
        context: Any,
        out: ByteSink,
        fields: RequestFields,
    ) -> None:
        adapter = self.adapter
        sink = _PreludeSink(self, source, event, out)
        try:
            request = source.parse(event, adapter.options)
        except BadRequest as exc:
            logger.warning("400 Bad Request (request id %s): %s", request_id_of(context), exc)
            sink.respond(plain_response(400, "Bad Request"))
            return
        fields.request = request
        refused = refusal(adapter.passthrough, request, context)
        if refused is not None:
            sink.respond(refused)
            return
        try:
            self.streamer(request, event, context, sink)
        except BaseException as exc:  # SystemExit & co. too: see Adapter._run
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
    from .sources import _gateway as gateway
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
