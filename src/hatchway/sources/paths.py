"""Paths: encoded or decoded as each source delivers them, and mount points
(API Gateway's stage among them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadRequest

__all__ = [
    "from_decoded",
    "from_encoded",
    "has_prefix",
    "http_api_stage",
    "is_execute_api_domain",
    "mount_point",
    "quote_text",
    "strip_prefix",
]

# Characters a path may carry unescaped (RFC 3986 pchar plus "/").
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def from_encoded(raw: str) -> tuple[str, bytes]:
    """``(path, raw_path)`` for a path delivered percent-encoded.

    ``raw_path`` keeps the client's escapes; anything AWS passed through
    unescaped (spaces, non-ASCII) is escaped so ``raw_path`` is ASCII.
    ``path`` is the single decoding.
    """
    if "%" not in raw and raw.isascii() and " " not in raw:
        return raw, raw.encode("ascii")
    from urllib.parse import unquote  # here: most paths never need it

    raw_path = quote_text(raw, _PATH_SAFE + "%", "the path")
    return unquote(raw_path), raw_path.encode("ascii")


def from_decoded(path: str) -> tuple[str, bytes]:
    """``(path, raw_path)`` for a path the gateway already decoded.

    Never decoded again: a ``%`` in it is a literal percent sign.
    """
    if path.isascii() and "%" not in path and " " not in path:
        return path, path.encode("ascii")
    return path, quote_text(path, _PATH_SAFE, "the path").encode("ascii")


def quote_text(text: str, safe: str, what: str) -> str:
    """``urllib.parse.quote(text, safe=safe)``, with text that has no UTF-8 form
    (a lone surrogate, which only a forged or hand-made event can hold)
    refused as :class:`~hatchway.BadRequest` (400, logged) naming ``what``."""
    from urllib.parse import quote

    try:
        return quote(text, safe=safe)
    except UnicodeEncodeError:
        raise BadRequest(
            f"{what} holds text that is not valid Unicode (a lone surrogate)"
        ) from None


def has_prefix(path: str, prefix: str) -> bool:
    """Whether ``prefix`` is a whole-segment prefix of ``path`` (``/v1`` of ``/v1/x``
    and of ``/v1``, never of ``/v1beta``)."""
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


def mount_point(path: str, base_path: str) -> str:
    """The base path when it mounts ``path`` per segment, else ``""``."""
    if base_path and has_prefix(path, base_path):
        return base_path
    return ""


def strip_prefix(path: str, prefix: str) -> str:
    """``path`` without a whole-segment ``prefix``; ``/`` when nothing is left."""
    if prefix and has_prefix(path, prefix):
        return path[len(prefix) :] or "/"
    return path


def http_api_stage(context: Mapping[str, Any]) -> str:
    """``/<stage>`` when an HTTP API event's path holds its stage, else ``""``.

    HTTP APIs put a named stage (never ``$default``) at the front of the path
    only when the client called the API's own ``execute-api`` domain; on a
    custom domain the stage is chosen by the API mapping and the path is the
    client's own, so a leading ``/<stage>`` there is not the stage.
    """
    stage = context.get("stage")
    if not isinstance(stage, str) or not stage or stage == "$default":
        return ""
    if not is_execute_api_domain(context.get("domainName")):
        return ""
    return "/" + stage


def is_execute_api_domain(domain: Any) -> bool:
    """Whether ``domain`` is an API's own endpoint, ``{api-id}.execute-api.{region}.
    amazonaws.com`` (``{api-id}-{vpce-id}`` for private APIs; ``.com.cn`` in
    China), not a custom domain name."""
    if not isinstance(domain, str):
        return False
    name = domain.lower()
    return name.split(".")[1:2] == ["execute-api"] and name.endswith(
        (".amazonaws.com", ".amazonaws.com.cn")
    )
