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

from .._typing import TYPE_CHECKING
from ..http import Request, Response
from ..log import LazyLogger
from .base import ClientRequest, Event, GatewaySettings, MalformedResponse, SourceOptions
from .body import decode_body
from .fields import merged_query, require_method, require_path
from .headers import (
    collect_headers,
    forwarded_client,
    group_response_headers,
    server_and_scheme,
)
from .paths import from_encoded, mount_point, quote_text
from .responses import single_value_headers, status_line, too_many_cookies

if TYPE_CHECKING:
    from typing import Any

__all__ = ["REQUEST_BODY_LIMIT", "RESPONSE_LIMIT", "Alb", "error_page"]

logger = LazyLogger("hatchway")

_QUERY_SAFE = "!#$%&'()*+,/:;=?@[]~-._"
#: The largest response a load balancer takes from a Lambda target, in bytes.
RESPONSE_LIMIT = 1024 * 1024
#: The largest request body a load balancer forwards to a Lambda target, in bytes.
REQUEST_BODY_LIMIT = 1024 * 1024


def _query(single: Any, multi: Any) -> bytes:
    parts = []
    for key, values in merged_query(single, multi):
        if not isinstance(values, list):
            values = [values]
        for value in values:
            parts.append(f"{key}={'' if value is None else value}")
    # Already encoded by the client: kept as is. Anything passed through raw
    # (spaces, non-ASCII) is escaped so the query string stays valid.
    text = "&".join(parts)
    if text.isascii() and " " not in text:
        return text.encode("ascii")
    return quote_text(text, _QUERY_SAFE, "the query").encode("ascii")


class Alb:
    """Application Load Balancer, single- and multi-value modes."""

    name = "alb"

    def matches(self, event: Event) -> bool:
        context = event.get("requestContext")
        return isinstance(context, (dict, Mapping)) and "elb" in context and "Records" not in event

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        method = require_method(event.get("httpMethod"), name, "httpMethod")
        path, raw_path = from_encoded(require_path(event.get("path"), name, "path"))
        headers, last = collect_headers(
            event.get("headers"), event.get("multiValueHeaders"), source_name=name
        )
        server, scheme = server_and_scheme(last)
        # Positional (method, path, raw_path, root_path, query_string, headers,
        # body, client, server, scheme): ten keywords double the cost of the call.
        return Request(
            method,
            path,
            raw_path,
            mount_point(path, options.base_path),
            _query(
                event.get("queryStringParameters"), event.get("multiValueQueryStringParameters")
            ),
            headers,
            decode_body(event.get("body"), event.get("isBase64Encoded"), source=name),
            forwarded_client(last),
            server,
            scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        grouped = group_response_headers(response.headers)
        result: dict[str, Any] = {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
        }
        if isinstance(event.get("multiValueHeaders"), Mapping):
            result["multiValueHeaders"] = grouped
        elif (refusal := too_many_cookies(grouped, self.name)) is not None:
            return self.render(refusal, event, options)
        else:
            result["headers"] = single_value_headers(grouped)
        body, is_base64 = options.codec.encode_for(response)
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        return result

    def response_limit(self, event: Event) -> int:
        """A Lambda target's response may be at most 1 MB."""
        return RESPONSE_LIMIT

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
        return build_alb_event(request, settings)

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response:
        return read_alb_result(result, settings, self.name)


# The gateway direction: what a load balancer sends its Lambda target group
# and how it reads the result.

_TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hatchway/0123456789abcdef"
)


#: Titles the load balancer's own pages use where Python's phrase has moved on
#: (3.13 calls 413 "Content Too Large", after RFC 9110).
_PAGE_TITLES = {413: "413 Request Entity Too Large"}


def error_page(status: int) -> bytes:
    """The HTML page a load balancer answers with by itself (502, 413, ...)."""
    line = _PAGE_TITLES.get(status) or status_line(status)
    return (
        f"<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n"
        f"<center><h1>{line}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode("ascii")


def build_alb_event(request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
    """The event a load balancer sends for ``request``.

    ``path``, query keys and values arrive exactly as the client sent them
    (still encoded). Header names are lower-case. With the target group's
    multi-value setting every repeat is kept in ``multiValueHeaders`` and
    ``multiValueQueryStringParameters``; without it only the last of repeated
    headers and query keys survives. The load balancer appends the peer to
    X-Forwarded-For. Text bodies travel as text, others base64.
    """
    from . import gateway

    moment = settings.now()
    headers = gateway.forwarded_headers(request)
    headers.append(("X-Amzn-Trace-Id", gateway.new_trace_id(moment)))
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name.lower(), []).append(value)
    multi_query: dict[str, list[str]] = {}
    for key, value in gateway.query_pairs(request.query, decode=False):
        multi_query.setdefault(key, []).append(value)
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": _TARGET_GROUP}},
        "httpMethod": request.method,
        "path": request.path or "/",
    }
    if settings.multi_value:
        event["multiValueQueryStringParameters"] = multi_query
        event["multiValueHeaders"] = multi_headers
    else:
        event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
        event["headers"] = {k: v[-1] for k, v in multi_headers.items()}
    body, is_base64 = gateway.body_field(request.body, request.header("content-type"))
    event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


def read_alb_result(result: Any, settings: GatewaySettings, source: str) -> Response:
    """The HTTP response a load balancer makes of ``result``.

    In multi-value mode it reads ``multiValueHeaders``, else ``headers`` (where
    several Set-Cookie survive as names differing in letter case); a result in
    the other mode's shape is refused. A base64 body is decoded. Anything
    malformed is the load balancer's 502 page.
    """
    from . import gateway

    try:
        result = gateway.require_mapping(result, source)
        status = gateway.read_status(result, source)
        field, other = ("multiValueHeaders", "headers")
        if not settings.multi_value:
            field, other = other, field
        raw = result.get(field)
        if raw is None and result.get(other):
            raise MalformedResponse(
                502,
                f"malformed Lambda response for {source}: the target group is in "
                f"{'multi' if settings.multi_value else 'single'}-value mode, which reads "
                f"{field!r}, but the response sets only {other!r}",
            )
        header_map = gateway.response_header_map(result, field, source)
        for name, value in header_map.items():
            if isinstance(value, list) != settings.multi_value:
                raise MalformedResponse(
                    502,
                    f"malformed Lambda response for {source}: header {name!r} must be "
                    f"{'a list' if settings.multi_value else 'a string'} in {field}",
                )
        headers = gateway.response_headers(header_map, source)
        body = gateway.read_body(result, source)
    except MalformedResponse as exc:
        exc.headers = [("content-type", "text/html")]
        exc.body = error_page(502)
        raise
    return Response(status, headers, body)
