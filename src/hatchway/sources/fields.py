"""Reading event fields defensively: null and missing are normal, wrong types
are not; query strings from decoded parameter maps."""

from __future__ import annotations

from collections.abc import Mapping

from .._typing import TYPE_CHECKING
from ..errors import InvalidEvent
from .paths import quote_text

if TYPE_CHECKING:
    from typing import Any

__all__ = ["encode_query", "mapping", "merged_query", "require_method", "require_path"]

#: RFC 9110 token characters (a method that is not all letters is checked
#: against them; ``re`` is imported only then, off the import path).
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"


def mapping(value: Any) -> dict[str, Any]:
    """A sub-object of the event as a dict (a copy of any other mapping), or an
    empty one when it is null or absent."""
    # Events are plain dicts: the exact-type check is the cheap common case.
    if type(value) is dict:
        return value
    return dict(value) if isinstance(value, Mapping) else {}


def merged_query(single: Any, multi: Any) -> list[tuple[Any, Any]]:
    """The ``(key, value or values)`` of an event's two query maps: every entry
    of ``multiValueQueryStringParameters``, then the keys of
    ``queryStringParameters`` it lacks (query keys are case-sensitive). AWS
    keeps the two consistent; hand-made events may not. A map that is not an
    object counts as absent."""
    multi = multi if type(multi) is dict or isinstance(multi, Mapping) else {}
    single = single if type(single) is dict or isinstance(single, Mapping) else {}
    if not multi:
        return list(single.items())
    if single.keys() <= multi.keys():  # as AWS sends them
        return list(multi.items())
    return [*multi.items(), *((k, v) for k, v in single.items() if k not in multi)]


def require_method(value: Any, source: str, field: str) -> str:
    """An HTTP method: a non-empty token (no spaces or control characters)."""
    if value is None or value == "":
        raise InvalidEvent(source, field, "is missing: an HTTP request needs a method")
    if not isinstance(value, str):
        raise InvalidEvent(source, field, f"must be a string, not {type(value).__name__}")
    if not (value.isalpha() and value.isascii()) and not _is_token(value):
        raise InvalidEvent(source, field, f"is not an HTTP method: {value[:40]!r}")
    return value


def require_path(value: Any, source: str, field: str) -> str:
    """A request path: a string starting with ``/`` and free of control characters."""
    if value is None or value == "":
        raise InvalidEvent(source, field, "is missing: an HTTP request needs a path")
    if not isinstance(value, str):
        raise InvalidEvent(source, field, f"must be a string, not {type(value).__name__}")
    if value[0] != "/":
        raise InvalidEvent(source, field, f"must start with '/': {value[:80]!r}")
    if not value.isprintable():
        if any("\ud800" <= char <= "\udfff" for char in value):
            raise InvalidEvent(source, field, "is not valid Unicode (a lone surrogate)")
        raise InvalidEvent(source, field, "contains control characters")
    return value


def _is_token(value: str) -> bool:
    import re

    return re.fullmatch(_TOKEN, value) is not None


def encode_query(single: Any, multi: Any) -> bytes:
    """A query string from decoded parameter maps (merged: :func:`merged_query`),
    each key and value re-encoded."""
    parts = []
    for key, values in merged_query(single, multi):
        name = key if type(key) is str and key.isalnum() and key.isascii() else _escape(str(key))
        if values is None:
            values = [""]
        elif type(values) is not list:
            values = [values]
        for value in values:
            if type(value) is not str or not (value.isalnum() and value.isascii()):
                value = _escape(str(value))
            parts.append(f"{name}={value}")
    return "&".join(parts).encode("ascii")


def _escape(text: str) -> str:
    """``quote(text, safe="")``; plain words, most query keys and values, need
    no escaping and skip quote(), which is slow for them."""
    if text.isalnum() and text.isascii():
        return text
    return quote_text(text, "", "the query")
