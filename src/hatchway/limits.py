"""The response-size guard: a rendered response over the service's limit is
answered with a logged 500 instead of an opaque failure in AWS.

Lambda refuses a synchronous result over 6 MB (the invoke fails and the
client gets the gateway's generic error); an ALB target's response is limited
to 1 MB; Lambda@Edge generated responses to 40 KB (viewer) or 1 MB (origin).

The size that counts is the result as the runtime client sends it: JSON with
the default separators, UTF-8. :func:`rendered_size` computes it exactly
without serialising: it counts what JSON escaping adds to each string
(quotes, backslashes and control characters; with ``ensure_ascii``, every
non-ASCII character as ``\\uXXXX`` and a character beyond the BMP as a
surrogate pair of them, 12 bytes). :func:`counted_size` first takes a bound
that needs only lengths, and counts only when that bound is over the limit.
"""

from __future__ import annotations

import os

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["SYNC_INVOKE_LIMIT", "counted_size", "escapes_non_ascii", "rendered_size"]

#: The synchronous invocation payload limit, in bytes (6 MB as Lambda counts it).
SYNC_INVOKE_LIMIT = 6_291_556

#: ``AWS_EXECUTION_ENV`` of the managed runtimes whose client (awslambdaric's
#: ``lambda_runtime_marshaller.Encoder``) marshals results with
#: ``ensure_ascii=False``; everywhere else (older runtimes, container images,
#: no such variable) non-ASCII text is escaped. hatchway's own runtime loop
#: reads the same variable; it sends UTF-8 for a wider range of names
#: (3.12 to 3.19), where counting escapes can only over-count.
_UNESCAPED_RUNTIMES = frozenset(
    {
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
        "AWS_Lambda_python3.15",
    }
)

# Bytes of a string's UTF-8 encoding, by what JSON makes of them.
#: Escaped as two characters: \" \\ \b \f \n \r \t.
_TWO = b'"\\\b\f\n\r\t'
#: Escaped as \u00XX: the other C0 controls.
_SIX = bytes(c for c in range(0x20) if bytes([c]) not in _TWO)
#: Never escaped: every other byte; with ensure_ascii, DEL is escaped too
#: (non-ASCII characters are counted apart).
_NOT_ESCAPED = bytes(c for c in range(0x100) if bytes([c]) not in _TWO + _SIX)
_NOT_ESCAPED_ASCII = _NOT_ESCAPED.replace(b"\x7f", b"")
#: Characters counted per piece of a long string: bounds the memory the count takes.
_CHUNK = 1 << 16


def escapes_non_ascii(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the runtime client sends non-ASCII text as ``\\uXXXX`` escapes
    (``ensure_ascii``), decided as awslambdaric decides it."""
    return environ.get("AWS_EXECUTION_ENV") not in _UNESCAPED_RUNTIMES


def rendered_size(value: Any, ensure_ascii: bool) -> int:
    """The exact length in bytes of ``json.dumps(value, ensure_ascii=...)``
    encoded as UTF-8, for JSON values (dicts, lists, strings, numbers,
    booleans, None), without building it. In a response dict flagged
    base64 (``isBase64Encoded``, Lambda@Edge's ``bodyEncoding``), the body
    counts its length: the base64 alphabet is never escaped. A lone surrogate
    counts as its escape (6 bytes) with ``ensure_ascii`` and as 3 bytes without
    (where serialising it would fail anyway)."""
    if isinstance(value, dict) and _base64_body(value) is not None:
        body = value["body"]
        return _size(dict(value, body=""), ensure_ascii) + len(body)
    return _size(value, ensure_ascii)


def counted_size(result: dict[str, Any], limit: int) -> int | None:
    """The exact rendered size of the response dict ``result``, counted only
    when a bound from lengths alone is over ``limit``; None when that bound
    shows it within.

    The bound takes every character at its costliest escape (a base64 body at
    its own length), so a response clearly within the limit costs a walk over
    its few fields; the count reads each string once, a piece at a time, and
    copies none of it whole.
    """
    bound = _bound(result)
    body = _base64_body(result)
    if body is not None:  # the base64 alphabet is never escaped
        bound += len(body) + 2 - _bound(body)
    if bound <= limit:
        return None
    return rendered_size(result, escapes_non_ascii())


def _base64_body(result: dict[str, Any]) -> str | None:
    """The body of a response dict flagged base64, if it is ASCII text."""
    # isBase64Encoded for API Gateway, ALB, Lattice; bodyEncoding for Lambda@Edge.
    if result.get("isBase64Encoded") is True or result.get("bodyEncoding") == "base64":
        body = result.get("body")
        if isinstance(body, str) and body.isascii():
            return body
    return None


def _bound(value: Any) -> int:
    """At least the rendered size of ``value``, from lengths only: every
    character at its costliest escape (``\\uXXXX``, two of them beyond the
    BMP). Runs for every response: the usual fields take no call."""
    if type(value) is str:
        return 2 + len(value) * (6 if value.isascii() else 12)
    if type(value) is dict:
        total = 2
        for key, item in value.items():
            kind = type(item)
            if type(key) is not str:
                total += 4 + _bound(key) + _bound(item)
                continue
            total += 8 + len(key) * (6 if key.isascii() else 12)  # punctuation included
            if kind is str:
                total += len(item) * (6 if item.isascii() else 12)
            elif kind is bool or (kind is int and -(10**20) < item < 10**20):
                total += 21
            else:
                total += _bound(item)
        return total
    if isinstance(value, (list, tuple)):
        total = 2
        for item in value:
            total += 2 + _bound(item)
        return total
    if value is None or value is True or value is False:
        return 5
    if type(value) is int:
        return len(int.__repr__(value))
    return _size(value, True)


def _size(value: Any, ensure_ascii: bool) -> int:
    if isinstance(value, str):
        return _string_size(value, ensure_ascii)
    if isinstance(value, dict):
        if not value:
            return 2
        size = 2 + 4 * len(value) - 2  # "{}" and ": " per item, ", " between
        for key, item in value.items():
            if not isinstance(key, str):
                return _serialised_size(value, ensure_ascii)
            size += _string_size(key, ensure_ascii) + _size(item, ensure_ascii)
        return size
    if isinstance(value, (list, tuple)):
        if not value:
            return 2
        size = 2 + 2 * len(value) - 2
        for item in value:
            size += _size(item, ensure_ascii)
        return size
    if value is True or value is None:
        return 4
    if value is False:
        return 5
    if type(value) is int:
        return len(int.__repr__(value))
    return _serialised_size(value, ensure_ascii)


def _serialised_size(value: Any, ensure_ascii: bool) -> int:
    """What no result rendered by a source holds (floats, non-string keys,
    custom types): measured the slow way."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=ensure_ascii)
    except (TypeError, ValueError):
        return 0  # the runtime will fail to marshal it; its error says why
    return len(text.encode("utf-8", "surrogatepass"))


def _string_size(text: str, ensure_ascii: bool) -> int:
    """The rendered size of ``text``, a piece at a time: its bytes, plus what
    escaping adds, counted over the few bytes that are not plain."""
    size = 2  # the quotes
    for start in range(0, len(text), _CHUNK):
        piece = text[start : start + _CHUNK]
        if not ensure_ascii:
            data = piece.encode("utf-8", "surrogatepass")
            size += len(data) + _ascii_escapes(data)
        elif piece.isascii():
            size += len(piece) + _ascii_escapes(piece.encode("ascii"), escape_del=True)
        else:
            # Every non-ASCII character is \uXXXX (+5 over one byte); beyond the
            # BMP, a surrogate pair of them (+6 more): one more UTF-16 unit.
            ascii = piece.encode("ascii", "ignore")
            wide = len(piece.encode("utf-16-le", "surrogatepass")) // 2 - len(piece)
            size += len(piece) + 5 * (len(piece) - len(ascii)) + 6 * wide
            size += _ascii_escapes(ascii, escape_del=True)
    return size


def _ascii_escapes(data: bytes, escape_del: bool = False) -> int:
    """What escaping adds to the ASCII characters of UTF-8 ``data``: +1 for
    the two-character escapes, +5 for ``\\u00XX`` (controls; DEL with ensure_ascii)."""
    special = data.translate(None, _NOT_ESCAPED_ASCII if escape_del else _NOT_ESCAPED)
    if not special:
        return 0
    six = len(special.translate(None, _TWO))
    return len(special) + 4 * six
