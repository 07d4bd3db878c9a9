"""ASGI HTTP messages, without asyncio: the scope a request becomes, and the
checks on the response head the app sends."""

from __future__ import annotations

import re
from typing import Any

from ..errors import ProtocolError
from ..http import PASSTHROUGH_KEY, WARMUP_KEY, Headers, Request

__all__ = ["check_headers", "check_status", "encode_headers", "http_scope"]

#: spec_version 2.4: send() never fails for a gone client, so Starlette need not
#: run a task listening for disconnects.
_SPEC_VERSION = "2.4"
_BAD_NAME = re.compile(rb"[\r\n\0: ]").search
_BAD_VALUE = re.compile(rb"[\r\n\0]").search
_BYTES_LIKE = (bytes, bytearray, memoryview)
#: How the client framed its body. The gateway delivers the whole body, so the
#: scope says its length once, as a server would after reading it (Django's
#: ASGI form parser reads nothing without it), and never ``chunked``.
_FRAMING = frozenset({"content-length", "transfer-encoding"})


def http_scope(request: Request, state: dict[str, Any], event: Any, context: Any) -> dict[str, Any]:
    """The ``http`` scope for ``request``, with the lifespan ``state`` copy and
    the event and context under ``aws.event`` and ``aws.context``."""
    headers = encode_headers(request.headers, skip=_FRAMING)
    if request.body or len(headers) != len(request.headers):
        headers.append((b"content-length", str(len(request.body)).encode("ascii")))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": _SPEC_VERSION},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.raw_path,
        "root_path": request.root_path,
        "query_string": request.query_string,
        "headers": headers,
        "client": request.client,
        "server": request.server,
        "state": state,
        "aws.event": event,
        "aws.context": context,
    }
    if request.passthrough:
        # Only a pass-through event: nothing a client sends can set a scope key.
        scope[PASSTHROUGH_KEY] = True
    elif request.warmup:
        scope[WARMUP_KEY] = True
    return scope


def check_status(status: Any) -> int:
    if type(status) is int and 100 <= status <= 599:
        return status
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ProtocolError(f"invalid HTTP status {status!r} in http.response.start")
    return int(status)


def check_headers(headers: Any) -> list[tuple[str, str]]:
    """The response headers of ``http.response.start`` as latin-1 text, checked:
    byte strings (bytes-like count as their bytes, as servers take them), no
    CR, LF or NUL anywhere, no colon or space in a name."""
    checked = []
    try:
        for name, value in headers:
            if type(name) is not bytes or type(value) is not bytes:
                if not isinstance(name, _BYTES_LIKE) or not isinstance(value, _BYTES_LIKE):
                    raise ProtocolError(f"response header {name!r}: names and values must be bytes")
                name, value = bytes(name), bytes(value)
            name_text, value_text = name.decode("latin-1"), value.decode("latin-1")
            # isprintable() rules out CR, LF and NUL at C speed for the usual
            # header; only what it rejects (a tab, say) needs the exact search.
            if (
                not name
                or not (name_text.isprintable() or not _BAD_NAME(name))
                or ":" in name_text
                or " " in name_text
                or not (value_text.isprintable() or not _BAD_VALUE(value))
            ):
                raise ProtocolError(f"response header {name!r} has a forbidden character")
            checked.append((name_text, value_text))
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"response headers must be (name, value) pairs: {exc}") from exc
    return checked


def encode_headers(
    headers: Headers, skip: frozenset[str] = frozenset()
) -> list[tuple[bytes, bytes]]:
    """Request headers as ASGI wants them, but those named in ``skip``: latin-1
    bytes (UTF-8 for the text beyond latin-1 a custom source may give)."""
    try:
        return [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in headers
            if name not in skip
        ]
    except UnicodeEncodeError:
        return [(_encode(name), _encode(value)) for name, value in headers if name not in skip]


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
