"""Helpers shared by every source's gateway direction (building events, reading results).

See :class:`~hatchway.sources.base.Gateway`. Nothing here runs on the handler
path: only the test client and the local gateway call it.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .base import ClientRequest, GatewayError, GatewaySettings, MalformedResponse
from .body import BodyCodec

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "body_field",
    "clf_time",
    "epoch_millis",
    "forwarded_headers",
    "host_of",
    "media_type_matches",
    "new_trace_id",
    "query_pairs",
    "read_body",
    "read_status",
    "require_mapping",
    "require_under",
    "response_header_map",
    "response_header_values",
    "response_headers",
]

_TEXT_BODIES = BodyCodec()
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def body_field(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """``(body, isBase64Encoded)`` for a request body, as HTTP APIs, Function
    URLs and ALBs send it: text for textual content types holding UTF-8, base64
    for everything else (a body without a Content-Type included)."""
    if content_type is None:
        return _TEXT_BODIES.encode(body, "application/octet-stream", None)
    return _TEXT_BODIES.encode(body, content_type, None)


def clf_time(moment: datetime) -> str:
    """``12/Mar/2020:19:03:58 +0000``: the request time format API Gateway uses."""
    offset = moment.strftime("%z") or "+0000"
    return (
        f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {offset}"
    )


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the epoch, as in ``requestTimeEpoch`` and ``timeEpoch``."""
    return int(moment.timestamp() * 1000)


def new_trace_id(moment: datetime) -> str:
    """An X-Ray trace header value of the form AWS adds to requests."""
    return f"Root=1-{int(moment.timestamp()):08x}-{os.urandom(12).hex()}"


def host_of(request: ClientRequest, settings: GatewaySettings, default: str) -> str:
    """The domain the client reached: its Host header, else the configured domain."""
    host = request.header("host")
    if host:
        return host
    return settings.domain_name or default


def forwarded_headers(
    request: ClientRequest,
    *,
    proto_header: str = "X-Forwarded-Proto",
    port_header: str = "X-Forwarded-Port",
) -> list[tuple[str, str]]:
    """The client's headers with the X-Forwarded-* entries a gateway sets.

    The client's own X-Forwarded-For is kept and the peer address appended,
    which is why only the last entry can be trusted. The scheme and port go
    in ``proto_header`` and ``port_header`` (VPC Lattice uses other names than
    the rest), replacing any the client sent under those names; a client's
    headers under other names pass through untouched.
    """
    replaced = ("x-forwarded-for", proto_header.lower(), port_header.lower())
    headers = [(name, value) for name, value in request.headers if name.lower() not in replaced]
    chain = [v for n, v in request.headers if n.lower() == "x-forwarded-for"]
    chain.append(request.client[0])
    port = "443" if request.scheme == "https" else "80"
    host = request.header("host") or ""
    explicit = host.rpartition(":")[2]
    if explicit.isascii() and explicit.isdigit() and not host.endswith("]"):
        port = explicit
    headers.append(("X-Forwarded-For", ", ".join(chain)))
    headers.append((proto_header, request.scheme))
    headers.append((port_header, port))
    return headers


def query_pairs(query: str, *, decode: bool) -> list[tuple[str, str]]:
    """The query's ``key=value`` pairs in order, blank parts skipped; decoded
    (``+`` is a space) when the gateway decodes them, else as sent."""
    from urllib.parse import unquote

    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if decode:
            key = unquote(key.replace("+", " "))
            value = unquote(value.replace("+", " "))
        pairs.append((key, value))
    return pairs


def media_type_matches(content_type: str | None, patterns: Iterable[str]) -> bool:
    """Whether a media type matches one of ``patterns`` (``image/png``,
    ``image/*``, ``*/*``), the way API Gateway matches binary media types."""
    patterns = tuple(patterns)
    if "*/*" in patterns:
        return True
    if not content_type:
        return False
    media = content_type.partition(";")[0].partition(",")[0].strip().lower()
    kind, _, sub = media.partition("/")
    for pattern in patterns:
        p_kind, _, p_sub = pattern.partition("/")
        if (p_kind in ("*", kind)) and (p_sub in ("*", sub)):
            return True
    return False


def require_under(
    path: str, prefix: str, what: str, status: int = 404, body: bytes = b'{"message":"Not Found"}'
) -> str:
    """The path below ``prefix`` (a stage, a base path), or the gateway's own
    refusal (HTTP APIs answer 404; REST APIs 403 ``Forbidden``)."""
    if not prefix:
        return path
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix) :] or "/"
    raise GatewayError(
        status,
        f"{path!r} is outside the {what} {prefix!r}: the gateway answers {status} itself",
        body=body,
    )


def read_status(result: Mapping[str, Any], source: str) -> int:
    """``statusCode`` as an int in 100..599, else the gateway's 502."""
    status = result.get("statusCode")
    if isinstance(status, str) and status.isascii() and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResponse(
            502, f"malformed Lambda proxy response for {source}: statusCode is {status!r}"
        )
    return status


def response_header_map(result: Mapping[str, Any], field: str, source: str) -> Mapping[str, Any]:
    """A header map of a response dict (``headers``, ``multiValueHeaders``):
    empty when absent, a 502 when it is not an object."""
    raw = result.get(field)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise MalformedResponse(
            502, f"malformed Lambda proxy response for {source}: {field} is not an object"
        )
    return raw


def response_headers(raw: Mapping[str, Any], source: str) -> list[tuple[str, str]]:
    """Every (name, value) of a response header map, lists flattened in order."""
    headers: list[tuple[str, str]] = []
    for name, value in raw.items():
        headers.extend((str(name), v) for v in response_header_values(value, name, source))
    return headers


def response_header_values(value: Any, name: str, source: str) -> list[str]:
    """One header's values from a response dict: a string, a number, or a list of them."""
    items = value if isinstance(value, list) else [value]
    values = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise MalformedResponse(
                502,
                f"malformed Lambda proxy response for {source}: header {name!r} has a "
                f"{type(item).__name__} value",
            )
        values.append(item if isinstance(item, str) else str(item))
    return values


def read_body(result: Mapping[str, Any], source: str, *, decode_base64: bool = True) -> bytes:
    """The body bytes of a response dict: ``body`` text, base64-decoded when
    ``isBase64Encoded`` says so (and the gateway decodes it)."""
    from base64 import b64decode

    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(
            502,
            f"malformed Lambda proxy response for {source}: body must be a string, "
            f"not {type(body).__name__}",
        )
    if result.get("isBase64Encoded") and decode_base64:
        try:
            return b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedResponse(
                502,
                f"malformed Lambda proxy response for {source}: body is flagged base64 "
                "but does not decode",
            ) from exc
    return body.encode("utf-8")


def require_mapping(result: Any, source: str) -> Mapping[str, Any]:
    """The response dict itself, or the gateway's 502 for anything else."""
    if not isinstance(result, Mapping):
        raise MalformedResponse(
            502,
            f"malformed Lambda proxy response for {source}: expected a JSON object, "
            f"got {type(result).__name__}",
        )
    return result
