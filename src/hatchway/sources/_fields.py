"""Reading event fields defensively: null and missing are normal, wrong types are not."""

from __future__ import annotations

from collections.abc import Mapping

from .._typing import TYPE_CHECKING
from ..errors import InvalidEvent

if TYPE_CHECKING:
    from typing import Any

__all__ = ["mapping", "require_method", "require_path"]

#: RFC 9110 token characters (a method that is not all letters is checked
#: against them; ``re`` is imported only then, off the import path).
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"


def mapping(value: Any) -> dict[str, Any]:
    """A sub-object of the event as a dict (a copy of any other mapping), or an
    empty one when it is null or absent."""
    # Events are plain dicts, and the ABC check alone costs several times the
    # exact-type one. A dict, not any Mapping, also lets the compiled build
    # read fields with dict operations instead of method calls.
    if type(value) is dict:
        return value
    return dict(value) if isinstance(value, Mapping) else {}


def require_method(value: Any, source: str, field: str) -> str:
    """An HTTP method: a non-empty token (no spaces or control characters)."""
    if not isinstance(value, str) or not value:
        raise InvalidEvent(source, field, "is missing: an HTTP request needs a method")
    if not (value.isalpha() and value.isascii()) and not _is_token(value):
        raise InvalidEvent(source, field, f"is not an HTTP method: {value[:40]!r}")
    return value


def require_path(value: Any, source: str, field: str) -> str:
    """A request path: a string starting with ``/`` and free of control characters."""
    if not isinstance(value, str) or not value:
        raise InvalidEvent(source, field, "is missing: an HTTP request needs a path")
    if value[0] != "/":
        raise InvalidEvent(source, field, f"must start with '/': {value[:80]!r}")
    if not value.isprintable():
        raise InvalidEvent(source, field, "contains control characters")
    return value


def _is_token(value: str) -> bool:
    import re

    return re.fullmatch(_TOKEN, value) is not None
