"""Request body decoding and the text-or-base64 decision for response bodies."""

from __future__ import annotations

import binascii
from collections.abc import Iterable

from .._typing import TYPE_CHECKING
from ..errors import BadRequest, InvalidEvent
from ..http import Response

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Literal

__all__ = ["DEFAULT_TEXT_TYPES", "BodyCodec", "base64_text", "decode_body"]

# Exact media types (besides text/*) whose bodies AWS may carry as text.
DEFAULT_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/ecmascript",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/x-ndjson",
        "image/svg+xml",
    }
)
# Structured-syntax suffixes (RFC 6839) that make any type textual.
_TEXT_SUFFIXES = ("+json", "+xml", "+yaml")


def decode_body(body: object, is_base64: object, *, source: str) -> bytes:
    """The request body bytes from an event's body field and its base64 flag.

    A body flagged base64 that does not decode is the client's fault: 400.
    """
    if body is None or body == "":
        return b""
    if not isinstance(body, str):
        raise InvalidEvent(source, "body", f"must be a string, not {type(body).__name__}")
    if is_base64:
        try:
            return _strict_b64decode(body)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest(f"{source} event body is flagged base64 but does not decode") from exc
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(
            f"{source} event body holds text that is not valid Unicode (a lone surrogate)"
        ) from None


def _strict_b64decode(text: str) -> bytes:
    """Strict base64: the alphabet only, and padding only to complete the last
    group, whichever decoder runs. pybase64 holds to that by itself;
    ``b64decode(validate=True)`` also takes padding after a complete group
    (``"AAAA="``), and on Python 3.10 more (``"="``, ``"AAA=="``), so the
    padding rule is checked here first, in one place for both."""
    if len(text) % 4 or text.endswith("==="):
        raise binascii.Error("base64 padding must complete the last 4-character group")
    fast = _pybase64 if _pybase64 is not None else _find_pybase64()
    if fast:
        return fast[1](text, validate=True)
    from base64 import b64decode  # binary requests only: kept off the import path

    return b64decode(text, validate=True)


#: pybase64's encoder and decoder (the ``speedups`` extra) once looked for;
#: False when it is not installed. Looked for on the first base64 body, so
#: neither a cold start nor a text-only function pays for the import.
_pybase64: tuple[Callable[[bytes], str], Callable[..., bytes]] | Literal[False] | None = None


def _find_pybase64() -> tuple[Callable[[bytes], str], Callable[..., bytes]] | Literal[False]:
    global _pybase64
    try:
        from pybase64 import b64decode, b64encode_as_string
    except ImportError:
        _pybase64 = False
    else:
        _pybase64 = (b64encode_as_string, b64decode)
    return _pybase64


def base64_text(data: bytes) -> str:
    """``data`` in base64 as text, the form a response's body field takes.

    pybase64 (``pip install hatchway[speedups]``) encodes with SIMD, many times
    as fast as the standard library, and straight to ``str`` without a bytes
    copy in between; without it, ``binascii`` (what ``base64.b64encode`` calls).
    """
    fast = _pybase64 if _pybase64 is not None else _find_pybase64()
    if fast:
        return fast[0](data)
    return binascii.b2a_base64(data, newline=False).decode("ascii")


class BodyCodec:
    """Chooses how a response body travels back: as text only when AWS cannot corrupt it.

    Text needs a textual content type or none at all, no ``Content-Encoding``
    (a gzip body is binary whatever its type) and bytes that decode as UTF-8,
    because AWS re-encodes a text body as UTF-8.
    """

    __slots__ = ("_cache", "_exact", "_prefixes")

    def __init__(self, extra_text_types: Iterable[str] = ()) -> None:
        exact = set(DEFAULT_TEXT_TYPES)
        prefixes = ["text/"]
        for item in extra_text_types:
            kind = item.strip().lower()
            if kind.endswith("/*"):
                prefixes.append(kind[:-1])
            elif kind:
                exact.add(kind)
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._cache: dict[str, bool] = {}

    def is_text_type(self, content_type: str) -> bool:
        """Whether a Content-Type value names a textual media type."""
        known = self._cache.get(content_type)
        if known is not None:
            return known
        media = content_type.partition(";")[0].strip().lower()
        result = (
            media in self._exact
            or media.startswith(self._prefixes)
            or media.endswith(_TEXT_SUFFIXES)
        )
        if len(self._cache) < 512:  # bounded: content types come from the app, not clients
            self._cache[content_type] = result
        return result

    def encode_for(self, response: Response) -> tuple[str, bool]:
        """``(body_field, is_base64)`` for a response, from its own headers."""
        body = response.body
        if not body:
            return "", False
        content_type = content_encoding = None
        for name, value in response.headers:
            lower = name.lower()
            if lower == "content-type":
                if content_type is None:
                    content_type = value
            elif lower == "content-encoding" and content_encoding is None:
                content_encoding = value
        return self.encode(body, content_type, content_encoding)

    def encode_folded(
        self, body: bytes, first: dict[str, str], spelling: dict[str, str]
    ) -> tuple[str, bool]:
        """``encode_for`` given the response headers already folded
        (``first`` values and ``spelling``, from ``fold_headers``)."""
        if not body:
            return "", False
        name = spelling.get("content-type")
        content_type = first[name] if name is not None else None
        name = spelling.get("content-encoding")
        return self.encode(body, content_type, first[name] if name is not None else None)

    def encode(
        self, body: bytes, content_type: str | None, content_encoding: str | None
    ) -> tuple[str, bool]:
        """``(body_field, is_base64)`` for a response body."""
        if not body:
            return "", False
        # No Content-Type says nothing either way: UTF-8 bytes travel as text
        # losslessly (a REST API without binary media types would otherwise
        # hand the client the base64 text itself).
        if (content_encoding is None or content_encoding.strip().lower() in ("", "identity")) and (
            content_type is None or self._cache.get(content_type) or self.is_text_type(content_type)
        ):
            try:
                return body.decode("utf-8"), False
            except UnicodeDecodeError:
                pass
        return base64_text(body), True
