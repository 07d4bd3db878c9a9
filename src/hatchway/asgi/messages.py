"""ASGI HTTP messages, without asyncio: the scope a request becomes, and the
checks on the response the app sends. Kept apart from the runner so the
compiled build (setup.py) can compile them; the runner's coroutines stay Python.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ProtocolError
from ..http import PASSTHROUGH_KEY, Request

__all__ = ["check_headers", "check_status", "encode_headers", "http_scope"]

#: spec_version 2.4: send() never fails for a gone client, so Starlette need not
#: run a task listening for disconnects.
_SPEC_VERSION = "2.4"
# One regex search per field: far cheaper than a generator per forbidden byte.
_BAD_NAME = re.compile(rb"[\r\n\0: ]").search
_BAD_VALUE = re.compile(rb"[\r\n\0]").search


def http_scope(request: Request, state: dict[str, Any], event: Any, context: Any) -> dict[str, Any]:
    """The ``http`` scope for ``request``, with the lifespan ``state`` copy and
    the event and context under ``aws.event`` and ``aws.context``."""
    headers = encode_headers(request.headers)
    if request.body and not any(name == b"content-length" for name, _ in headers):
        # The gateway delivers the whole body; say how long it is, as a server
        # would (Django's ASGI form parser reads nothing without it).
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
    return scope


def check_status(status: Any) -> int:
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ProtocolError(f"invalid HTTP status {status!r} in http.response.start")
    return int(status)


#: Response header names and values already checked (apart: a value may hold
#: what a name may not), as their text. Apps send the same few again and
#: again; one lookup then replaces a search and a decode. Bounded, and only
#: short fields: what is unique per response (a session cookie) simply takes
#: the checks every time.
_checked_names: dict[bytes, str] = {}
_checked_values: dict[bytes, str] = {}
_CHECKED_MAX = 512
_BYTES_LIKE = (bytes, bytearray, memoryview)
_CHECKED_FIELD_MAX = 128


def check_headers(headers: Any) -> list[tuple[str, str]]:
    names, values = _checked_names, _checked_values
    try:
        # Every name and value checked before: the usual response.
        return [(names[name], values[value]) for name, value in headers]
    except (KeyError, TypeError, ValueError):
        pass
    checked = []
    try:
        for name, value in headers:
            if type(name) is not bytes or type(value) is not bytes:
                # Bytes-like fields count as their bytes, as ASGI servers take
                # them (and as the lookup above already does for memoryview).
                if not (isinstance(name, _BYTES_LIKE) and isinstance(value, _BYTES_LIKE)):
                    raise ProtocolError(f"response header {name!r}: names and values must be bytes")
                name, value = bytes(name), bytes(value)
            text_name = names.get(name)
            if text_name is None:
                if not name or _BAD_NAME(name):
                    raise ProtocolError(f"response header {name!r} has a forbidden character")
                text_name = _remember(names, name)
            text_value = values.get(value)
            if text_value is None:
                if _BAD_VALUE(value):
                    raise ProtocolError(f"response header {name!r} has a forbidden character")
                text_value = _remember(values, value)
            checked.append((text_name, text_value))
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"response headers must be (name, value) pairs: {exc}") from exc
    return checked


def _remember(known: dict[bytes, str], field: bytes) -> str:
    text = field.decode("latin-1")
    if len(field) <= _CHECKED_FIELD_MAX and len(known) < _CHECKED_MAX:
        known[field] = text
    return text


#: Lower-case header names -> their ASGI bytes (bounded: names come from clients).
_header_names: dict[str, bytes] = {}


def encode_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Request headers as ASGI wants them: latin-1 bytes."""
    names = _header_names
    try:
        # Every name seen before and every value latin-1 text: the usual request.
        return [(names[name], value.encode("latin-1")) for name, value in headers]
    except (KeyError, UnicodeEncodeError):
        pass
    encoded = []
    for name, value in headers:
        key = names.get(name)
        if key is None:
            key = _latin1(name)
            if len(names) < 1024:
                names[name] = key
        try:
            encoded.append((key, value.encode("latin-1")))
        except UnicodeEncodeError:  # a custom source's text beyond latin-1
            encoded.append((key, value.encode("utf-8")))
    return encoded


def _latin1(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
