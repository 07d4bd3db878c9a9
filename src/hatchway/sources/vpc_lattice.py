"""Amazon VPC Lattice target groups with a Lambda target, event versions 1 and 2.

Event v2: ``version: "2.0"``, top-level ``method`` and ``path``, and a
``requestContext`` naming the service and target group. Event v1 (the target
group's default) has snake_case keys: ``raw_path``, ``method``,
``query_string_parameters``, ``is_base64_encoded``. The samples AWS and
Powertools publish disagree on details (v1 headers as comma-joined strings,
v2 headers and query values as lists or as strings, a v2 event with the
snake_case query key), so every shape is accepted in both versions.

UNVERIFIED, as no captured event settles them: the path is taken as
percent-encoded; query values as decoded, so they are re-encoded; a v1
``raw_path`` carrying ``?query`` is split and its query used verbatim. The
client is the last ``X-Forwarded-For`` entry, the one VPC Lattice added. The
scheme and port come from ``X-Forwarded-For-Proto`` and
``X-Forwarded-For-Port``, the headers VPC Lattice adds (AWS, "HTTP targets in
VPC Lattice"); a caller's ``X-Forwarded-Proto``/``-Port`` are not read.

Response: ``statusCode``, ``statusDescription`` (``"200 OK"``), ``headers``
(one string per name: repeats joined with ``", "``), ``body``,
``isBase64Encoded``. Several Set-Cookie headers cannot be joined; like the ALB
single-value mode, they are kept by varying the name's letter case.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._typing import TYPE_CHECKING
from ..http import Request, Response
from .base import ClientRequest, Event, GatewaySettings, SourceOptions
from .body import decode_body
from .fields import encode_query, require_method, require_path
from .headers import (
    collect_headers,
    forwarded_client,
    group_response_headers,
    latin1,
    server_and_scheme,
)
from .paths import from_encoded, mount_point
from .responses import single_value_headers, status_line, too_many_cookies

if TYPE_CHECKING:
    from typing import Any

__all__ = ["VpcLattice"]


def _first(event: Event, *keys: str) -> Any:
    """The first of ``keys`` the event has a non-null value for."""
    for key in keys:
        value = event.get(key)
        if value is not None:
            return value
    return None


class VpcLattice:
    """VPC Lattice, event structure versions 1 (snake_case) and 2."""

    name = "vpc-lattice"

    def matches(self, event: Event) -> bool:
        # Never an event another built-in source claims (see BUILTIN_SOURCES).
        if "method" not in event or "httpMethod" in event or "Records" in event:
            return False
        context = event.get("requestContext")
        if isinstance(context, (dict, Mapping)) and "elb" in context:
            return False
        if event.get("version") == "2.0":
            return (
                isinstance(context, (dict, Mapping))
                and ("serviceArn" in context or "targetGroupArn" in context)
                and "http" not in context
            )
        return "raw_path" in event

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        method = require_method(event.get("method"), name, "method")
        field = "path" if event.get("version") == "2.0" else "raw_path"
        target = require_path(event.get(field), name, field)
        raw_query = None
        if "?" in target:
            target, _, raw_query = target.partition("?")
            target = target or "/"
        path, raw_path = from_encoded(target)
        if raw_query:
            query_string = latin1(raw_query)
        else:
            params = _first(event, "queryStringParameters", "query_string_parameters")
            query_string = encode_query(params, None)
        headers, last = collect_headers(event.get("headers"), source_name=name)
        # VPC Lattice adds X-Forwarded-For-Proto and -Port, not X-Forwarded-Proto
        # or -Port: those are whatever the caller sent.
        server, scheme = server_and_scheme(
            last, proto_header="x-forwarded-for-proto", port_header="x-forwarded-for-port"
        )
        # Positional (method, path, raw_path, root_path, query_string, headers,
        # body, client, server, scheme): ten keywords double the cost of the call.
        return Request(
            method,
            path,
            raw_path,
            mount_point(path, options.base_path),
            query_string,
            headers,
            decode_body(
                event.get("body"),
                _first(event, "isBase64Encoded", "is_base64_encoded"),
                source=name,
            ),
            forwarded_client(last),
            server,
            scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        grouped = group_response_headers(response.headers)
        refusal = too_many_cookies(grouped, self.name)
        if refusal is not None:
            return self.render(refusal, event, options)
        headers = single_value_headers(grouped)
        body, is_base64 = options.codec.encode_for(response)
        return {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
            "headers": headers,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
        return build_lattice_event(request, settings)

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response:
        return read_lattice_result(result, self.name)


# The gateway direction: what a VPC Lattice service sends a Lambda target group
# (event structure version 2) and how it reads the result.

_ARN = "arn:aws:vpc-lattice:us-east-1:123456789012"
_DEFAULT_DOMAIN = "hatchway-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws"


def build_lattice_event(request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
    """The version 2 event a VPC Lattice service sends for ``request``.

    ``path`` as the client sent it; header names lower-case, each with the
    list of its values; query values decoded, each key with the list of its
    values (the assumptions the request direction makes, see the module
    docstring). The service appends the peer to X-Forwarded-For and sets
    X-Forwarded-For-Proto and X-Forwarded-For-Port (a client's X-Forwarded-Proto
    or -Port passes through untouched, as any other header). Text bodies
    travel as text, others base64.
    """
    from . import gateway

    moment = settings.now()
    headers: dict[str, list[str]] = {}
    forwarded = gateway.forwarded_headers(
        request, proto_header="x-forwarded-for-proto", port_header="x-forwarded-for-port"
    )
    for name, value in forwarded:
        headers.setdefault(name.lower(), []).append(value)
    if "host" not in headers:
        headers["host"] = [settings.domain_name or _DEFAULT_DOMAIN]
    query: dict[str, list[str]] = {}
    for key, value in gateway.query_pairs(request.query, decode=True):
        query.setdefault(key, []).append(value)
    body, is_base64 = gateway.body_field(request.body, request.header("content-type"))
    return {
        "version": "2.0",
        "path": request.path or "/",
        "method": request.method,
        "headers": headers,
        "queryStringParameters": query,
        "body": body,
        "isBase64Encoded": is_base64,
        "requestContext": {
            "serviceNetworkArn": f"{_ARN}:servicenetwork/sn-0123456789abcdef0",
            "serviceArn": f"{_ARN}:service/svc-0123456789abcdef0",
            "targetGroupArn": f"{_ARN}:targetgroup/tg-0123456789abcdef0",
            "identity": {
                "sourceVpcArn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123456789abcdef0",
                "type": "NONE",
            },
            "region": "us-east-1",
            "timeEpoch": str(int(moment.timestamp() * 1_000_000)),
        },
    }


def read_lattice_result(result: Any, source: str) -> Response:
    """The HTTP response VPC Lattice makes of ``result``: ``statusCode``,
    ``headers`` (a string per name; names differing only in letter case are
    separate headers, which keeps several Set-Cookie), ``body`` decoded from
    base64 when ``isBase64Encoded``. Anything malformed is a 502."""
    from . import gateway

    result = gateway.require_mapping(result, source)
    status = gateway.read_status(result, source)
    headers = gateway.response_headers(
        gateway.response_header_map(result, "headers", source), source
    )
    return Response(status, headers, gateway.read_body(result, source))
