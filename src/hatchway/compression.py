"""Gzip for responses: ``Adapter(compress=...)``, and oversized responses rescued.

A response is compressed when the client's ``Accept-Encoding`` allows gzip,
the response has no ``Content-Encoding`` (nor ``Cache-Control: no-transform``,
nor a ``Content-Range``), its type is textual (the same rules that decide
text or base64 for bodies, ``text_mime_types`` included), and the client gets
the compressed bytes back: a compressed body travels base64, which every
source decodes except a REST API whose binary media types do not match the
request. The event does not carry those settings; :func:`rest_binary_evidence`
reads what the request shows of them.

Independently of the option, a response over its source's limit that would
fit once compressed is sent compressed instead of the 500 (see
:func:`rescue_oversized`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._typing import TYPE_CHECKING
from .http import Request, Response
from .limits import escapes_non_ascii, rendered_size
from .log import LazyLogger, request_id_of

if TYPE_CHECKING:
    from typing import Any

    from .sources.base import Source, SourceOptions
    from .sources.body import BodyCodec

__all__ = [
    "DEFAULT_MINIMUM",
    "Compressor",
    "accepts_gzip",
    "compress_option",
    "event_header",
    "gzip_response",
    "rescue_oversized",
    "rest_binary_evidence",
]

logger = LazyLogger("hatchway")

#: ``compress=True``: bodies smaller than this stay as they are (the gzip
#: header and base64 make small bodies larger, for no gain).
DEFAULT_MINIMUM = 1024
#: ``compress=``: zlib's fastest level. On 1.2 MB of JSON here it took 5 ms
#: for 98 KB, where the default level 6 took 15 ms for 83 KB: on Lambda the
#: CPU time is billed and the payload is already small either way.
FAST_LEVEL = 1
#: A response over the limit: the smaller result is worth the time, and it is rare.
RESCUE_LEVEL = 6
#: Sources whose service decodes a base64 body for the client. A REST API
#: (``apigw-rest``) does only when its binary media types allow it; custom
#: sources are not known to.
_DECODING_SOURCES = frozenset({"apigw-http", "function-url", "alb", "lambda-edge", "vpc-lattice"})
#: Statuses whose body must not be re-encoded: no body, or a byte range of it.
_UNTOUCHED_STATUSES = frozenset({204, 206, 304})


def compress_option(value: object) -> int | None:
    """The ``compress=`` option as a minimum size in bytes, or None (off)."""
    if value is None or value is False:
        return None
    if value is True:
        return DEFAULT_MINIMUM
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"compress takes a minimum size in bytes >= 0, not {value}")
        return value
    raise TypeError(
        f"compress takes True, False or a minimum size in bytes, not {type(value).__name__}"
    )


def accepts_gzip(headers: list[tuple[str, str]]) -> bool:
    """Whether request ``headers`` (lower-case names) accept a gzip response.

    ``gzip`` (or ``x-gzip``) with a quality above 0 accepts; ``gzip;q=0``
    refuses even where ``*`` is accepted; otherwise ``*`` decides. A quality
    that is not a valid ``qvalue`` counts as 0: when in doubt, do not compress.
    """
    gzip_q: float | None = None
    star_q: float | None = None
    for name, value in headers:
        if name != "accept-encoding":
            continue
        for item in value.split(","):
            coding, _, params = item.partition(";")
            coding = coding.strip().lower()
            if coding in ("gzip", "x-gzip"):
                q = _quality(params)
                gzip_q = q if gzip_q is None else min(gzip_q, q)
            elif coding == "*":
                q = _quality(params)
                star_q = q if star_q is None else min(star_q, q)
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def _quality(params: str) -> float:
    """The ``q`` parameter of one Accept-Encoding item; 1 when absent."""
    for param in params.split(";"):
        key, _, raw = param.partition("=")
        if key.strip().lower() == "q":
            return _qvalue(raw.strip())
    return 1.0


def _qvalue(text: str) -> float:
    """RFC 9110: ``"0" ["." 0*3DIGIT]`` or ``"1" ["." 0*3"0"]``; anything else 0."""
    whole, _, fraction = text.partition(".")
    if len(fraction) > 3 or not (fraction == "" or (fraction.isascii() and fraction.isdigit())):
        return 0.0
    if whole == "0":
        return float("0." + (fraction or "0"))
    if whole == "1" and not fraction.strip("0"):
        return 1.0
    return 0.0


def rest_binary_evidence(event: Mapping[str, Any], codec: BodyCodec) -> bool | None:
    """What a REST API event (payload 1.0) shows of the API's binary media types:
    True when a base64 response body would reach the client as bytes, False
    when it would reach it as base64 text, None when the event cannot tell.

    API Gateway decodes a base64 response only when the request's ``Accept``
    type matches a binary media type, and it delivers a request body base64
    only when its ``Content-Type`` matches one. So a request body tells:

    - HTTP APIs on payload 1.0 (``version: "1.0"``) always decode: True.
    - A textual body (JSON, form) that arrived base64: the binary media types
      match text as well, which in practice is ``*/*``: True. A body of the
      type the client also accepts that arrived base64: True.
    - A body that arrived as text: ``*/*`` is not configured. With no
      ``Accept``, or an ``Accept`` of the body's own type, the client would
      get base64 text: False.
    - No body (most GETs): None.
    """
    if event.get("version") == "1.0":
        return True
    body = event.get("body")
    if not body:
        return None
    content_type = event_header(event, "content-type")
    accept = event_header(event, "accept")
    body_type = _media(content_type)
    accept_type = _media(accept)
    if event.get("isBase64Encoded") is True:
        if content_type is not None and codec.is_text_type(content_type):
            return True
        if body_type and accept_type == body_type:
            return True
        return None
    if accept_type is None or accept_type == body_type:
        return False
    return None


def _media(value: str | None) -> str | None:
    """The first media type of a Content-Type or Accept value, lower-case."""
    if value is None:
        return None
    media = value.partition(",")[0].partition(";")[0].strip().lower()
    return media or None


def event_header(event: Mapping[str, Any], name: str) -> str | None:
    """A header of a payload 1.0 event, case-insensitively, from either map."""
    for field in ("headers", "multiValueHeaders"):
        values = event.get(field)
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            if isinstance(key, str) and key.lower() == name:
                if isinstance(value, list):
                    value = value[0] if value else None
                if isinstance(value, str):
                    return value
    return None


def client_gets_bytes(source: Source, event: Any, codec: BodyCodec) -> bool:
    """Whether a base64 response body reaches this event's client as bytes."""
    name = source.name
    if name in _DECODING_SOURCES:
        return True
    if name == "apigw-rest" and isinstance(event, Mapping):
        return rest_binary_evidence(event, codec) is True
    return False


def compressible(response: Response, codec: BodyCodec) -> bool:
    """Whether gzip may and should re-encode this response's body."""
    if response.status in _UNTOUCHED_STATUSES or not response.body:
        return False
    content_type = None
    for name, value in response.headers:
        lower = name.lower()
        if lower in ("content-encoding", "content-range"):
            return False
        if lower == "cache-control" and "no-transform" in value.lower():
            return False
        if lower == "content-type" and content_type is None:
            content_type = value
    return content_type is not None and codec.is_text_type(content_type)


def gzip_response(response: Response, level: int = FAST_LEVEL) -> Response:
    """``response`` with its body gzip-compressed: ``Content-Encoding: gzip``,
    ``Accept-Encoding`` added to ``Vary``, ``Content-Length`` fixed, and a
    strong ``ETag`` made weak (the compressed bytes are another representation)."""
    import zlib  # only for responses being compressed

    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip framing, mtime 0
    body = compressor.compress(response.body) + compressor.flush()
    headers: list[tuple[str, str]] = []
    vary_done = False
    for name, value in response.headers:
        lower = name.lower()
        if lower == "content-length":
            value = str(len(body))
        elif lower == "etag" and not value.startswith("W/"):
            value = "W/" + value
        elif lower == "vary" and not vary_done:
            tokens = {token.strip().lower() for token in value.split(",")}
            if "*" not in tokens and "accept-encoding" not in tokens:
                value = f"{value}, Accept-Encoding" if value.strip() else "Accept-Encoding"
            vary_done = True
        headers.append((name, value))
    if not vary_done:
        headers.append(("vary", "Accept-Encoding"))
    headers.append(("content-encoding", "gzip"))
    return Response(response.status, headers, body)


class Compressor:
    """``Adapter(compress=...)``: gzips responses worth it, for clients that
    accept gzip and get the bytes back. Built once per Adapter."""

    __slots__ = ("codec", "minimum")

    def __init__(self, minimum: int, codec: BodyCodec) -> None:
        self.minimum = minimum
        self.codec = codec

    def __call__(
        self, response: Response, request: Request, source: Source, event: Any
    ) -> Response:
        """``response``, compressed when that is allowed and worth it."""
        # Cheapest tests first: most responses stop at the size.
        if len(response.body) <= self.minimum or not compressible(response, self.codec):
            return response
        if not accepts_gzip(request.headers) or not client_gets_bytes(source, event, self.codec):
            return response
        return gzip_response(response)


def rescue_oversized(
    source: Source,
    event: Any,
    options: SourceOptions,
    request: Request,
    response: Response,
    limit: int,
    size: int,
    context: Any,
) -> tuple[bool, Response, dict[str, Any] | None]:
    """A response over ``limit`` (``size`` bytes, as the size guard measured
    it), compressed if that makes it fit: ``(True, compressed, rendered)``;
    else ``(False, response, None)`` and the Adapter answers 500. Logged at
    WARNING whenever gzip was tried."""
    codec = options.codec
    if (
        not compressible(response, codec)
        or not accepts_gzip(request.headers)
        or not client_gets_bytes(source, event, codec)
    ):
        return False, response, None
    compressed = gzip_response(response, RESCUE_LEVEL)
    rendered = source.render(compressed, event, options)
    new_size = rendered_size(rendered, escapes_non_ascii())
    if new_size > limit:
        logger.warning(
            "the %s response to %s %s (%d bytes) is over the %d-byte limit, and still "
            "%d bytes gzip-compressed (request id %s)",
            source.name,
            request.method,
            request.path,
            size,
            limit,
            new_size,
            request_id_of(context),
        )
        return False, response, None
    logger.warning(
        "the %s response to %s %s (%d bytes) is over the %d-byte limit: sent "
        "gzip-compressed instead, %d bytes (request id %s)",
        source.name,
        request.method,
        request.path,
        size,
        limit,
        new_size,
        request_id_of(context),
    )
    return True, compressed, rendered
