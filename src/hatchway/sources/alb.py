"""Application Load Balancer target groups with a Lambda target.

Event: ``requestContext.elb``. ``path`` and query values arrive as the client
sent them (still percent-encoded: joined, never re-encoded). With the target
group's multi-value setting on, ``multiValueHeaders`` and
``multiValueQueryStringParameters`` replace the single-value maps, which keep
only the last of repeated keys. The client is the last ``X-Forwarded-For``
entry, the one the load balancer appended; earlier entries are the client's.

Response: ``statusCode``, ``statusDescription``, and ``multiValueHeaders`` if
and only if the request came with them (the load balancer rejects the other
shape), else ``headers``. In single-value mode several Set-Cookie headers
survive by varying the name's letter case, which the load balancer passes on
and HTTP treats as the same header.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from ..http import Request, Response
from ._body import decode_body
from ._fields import require_method, require_path
from ._headers import collect_headers, group_response_headers, server_and_scheme
from ._paths import from_encoded, mount_point
from .base import Event, SourceOptions

__all__ = ["Alb", "case_variants", "status_line"]

_QUERY_SAFE = "!#$%&'()*+,/:;=?@[]~-._"
_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def status_line(status: int) -> str:
    """``"200 OK"``; codes without a standard phrase still get one."""
    return f"{status} {_PHRASES.get(status, 'Unknown')}"


def case_variants(name: str, count: int) -> list[str]:
    """``count`` spellings of ``name`` differing only in letter case, the given one first."""
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    if count > 2 ** len(letters):
        raise ValueError(f"{name!r} has only {2 ** len(letters)} letter-case spellings")
    base = name.lower()
    variants = [name]
    seen = {name}
    mask = 0
    while len(variants) < count:
        mask += 1
        chars = list(base)
        for bit, index in enumerate(letters):
            if mask >> bit & 1:
                chars[index] = chars[index].upper()
        candidate = "".join(chars)
        if candidate not in seen:
            seen.add(candidate)
            variants.append(candidate)
    return variants


def _query(single: Any, multi: Any) -> bytes:
    params = multi if isinstance(multi, Mapping) and multi else single
    if not isinstance(params, Mapping) or not params:
        return b""
    parts = []
    for key, values in params.items():
        if not isinstance(values, list):
            values = [values]
        for value in values:
            parts.append(f"{key}={'' if value is None else value}")
    # Already encoded by the client: kept as is. Anything passed through raw
    # (spaces, non-ASCII) is escaped so the query string stays valid.
    text = "&".join(parts)
    if text.isascii() and " " not in text:
        return text.encode("ascii")
    return quote(text, safe=_QUERY_SAFE).encode("ascii")


class Alb:
    """Application Load Balancer, single- and multi-value modes."""

    name = "alb"

    def matches(self, event: Event) -> bool:
        context = event.get("requestContext")
        return isinstance(context, Mapping) and "elb" in context

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        method = require_method(event.get("httpMethod"), name, "httpMethod")
        path, raw_path = from_encoded(require_path(event.get("path"), name, "path"))
        headers = collect_headers(event.get("headers"), event.get("multiValueHeaders"))
        server, scheme = server_and_scheme(headers)
        return Request(
            method=method,
            path=path,
            raw_path=raw_path,
            root_path=mount_point(path, options.base_path),
            query_string=_query(
                event.get("queryStringParameters"), event.get("multiValueQueryStringParameters")
            ),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded"), source=name),
            client=_client(headers),
            server=server,
            scheme=scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        grouped = group_response_headers(response.headers)
        result: dict[str, Any] = {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
        }
        if isinstance(event.get("multiValueHeaders"), Mapping):
            result["multiValueHeaders"] = grouped
        else:
            headers: dict[str, str] = {}
            for name, values in grouped.items():
                if len(values) == 1:
                    headers[name] = values[0]
                elif name.lower() == "set-cookie":
                    headers.update(zip(case_variants(name, len(values)), values, strict=True))
                else:
                    headers[name] = ", ".join(values)
            result["headers"] = headers
        body, is_base64 = options.body.encode(
            response.body, response.header("content-type"), response.header("content-encoding")
        )
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        return result


def _client(headers: list[tuple[bytes, bytes]]) -> tuple[str, int] | None:
    """The address the load balancer saw: the last X-Forwarded-For entry."""
    last = None
    for key, value in headers:
        if key == b"x-forwarded-for":
            last = value
    if last is None:
        return None
    address = last.decode("latin-1").rpartition(",")[2].strip()
    return (address, 0) if address else None
