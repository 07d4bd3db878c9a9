"""CloudFront Lambda@Edge, viewer-request and origin-request triggers.

Event: ``Records[0].cf`` with ``config.eventType`` and ``request``: ``method``,
``uri`` (percent-encoded as the viewer sent it), ``querystring`` (verbatim,
no ``?``), ``headers`` as ``{lower: [{key, value}, ...]}`` with every repeat,
``clientIp``, and a ``body`` object (``data``, ``encoding``, ``inputTruncated``)
only when the distribution includes bodies. Origin-response and
viewer-response triggers carry a response to edit, not a request to answer:
they are refused with :class:`~hatchway.UnsupportedEvent` naming the trigger.

Response: a generated response, ``status`` as a string, ``statusDescription``,
``headers`` in the request's list shape with every value (several Set-Cookie
included), ``body`` and ``bodyEncoding`` (``text``/``base64``). Headers
CloudFront refuses in a generated response (hop-by-hop ones, Content-Length,
its own ``X-Amz-Cf-*``, ...) are dropped, since one of them turns the whole
response into a 502. CloudFront's size limit for a generated response (40 KB
for viewer requests, 1 MB for origin requests, headers included) is this
source's ``response_limit``: the Adapter's size guard answers a larger one
with a logged 500 instead of CloudFront's opaque 502.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping

from .._typing import TYPE_CHECKING
from ..errors import BadRequest, InvalidEvent, UnsupportedEvent
from ..http import Request, Response
from .base import (
    ClientRequest,
    Event,
    GatewayError,
    GatewaySettings,
    MalformedResponse,
    SourceOptions,
)
from .body import decode_body
from .fields import mapping, require_method, require_path
from .headers import client_address, collect_headers, latin1, server_and_scheme
from .paths import from_encoded, mount_point
from .responses import status_line

if TYPE_CHECKING:
    from typing import Any

__all__ = ["RESPONSE_LIMITS", "LambdaEdge", "is_forbidden_header"]


REQUEST_TRIGGERS = ("viewer-request", "origin-request")
RESPONSE_TRIGGERS = ("viewer-response", "origin-response")

#: The largest generated response CloudFront accepts per trigger, headers and
#: body included (CloudFront developer guide, quotas on Lambda@Edge).
RESPONSE_LIMITS = {"viewer-request": 40 * 1024, "origin-request": 1024 * 1024}

# Headers a Lambda@Edge function may not set (CloudFront answers 502 if it
# does): the guide's disallowed list, plus the ones read-only in every trigger
# that CloudFront computes itself for the generated response.
_FORBIDDEN = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
        "content-length",
        "transfer-encoding",
        "via",
    }
)
_FORBIDDEN_PREFIXES = ("x-amz-cf-", "x-amzn-", "x-edge-")
# Statuses that never carry a body; CloudFront fails a 204 that has one.
_NO_BODY = (204, 304)


def is_forbidden_header(name: str) -> bool:
    """Whether CloudFront rejects a generated response carrying header ``name``."""
    lower = name.lower()
    return lower in _FORBIDDEN or lower.startswith(_FORBIDDEN_PREFIXES)


def _record(event: Event) -> Mapping[str, Any] | None:
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        return None
    first = records[0]
    if not isinstance(first, (dict, Mapping)):
        return None
    cf = first.get("cf")
    return cf if isinstance(cf, (dict, Mapping)) else None


def _trigger(cf: Mapping[str, Any]) -> str:
    """The event type; a hand-made event without one is a request unless it
    carries a response (then it can only be a response trigger)."""
    kind = mapping(cf.get("config")).get("eventType")
    if kind is None:
        return "origin-response" if "response" in cf else "viewer-request"
    if not isinstance(kind, str) or kind not in REQUEST_TRIGGERS + RESPONSE_TRIGGERS:
        raise InvalidEvent("lambda-edge", "Records[0].cf.config.eventType", f"is unknown: {kind!r}")
    return kind


def _header_lists(headers: Any) -> dict[str, list[str]]:
    """``{lower: [{key, value}, ...]}`` as ``{lower: [value, ...]}``."""
    values: dict[str, list[str]] = {}
    if not isinstance(headers, Mapping):
        return values
    for name, items in headers.items():
        if isinstance(items, Mapping):  # one pair instead of a list of them
            items = [items]
        if not isinstance(items, list):
            continue
        found = [
            item["value"]
            for item in items
            if isinstance(item, Mapping) and isinstance(item.get("value"), str)
        ]
        if found:
            values[str(name)] = found
    return values


def _body(request: Mapping[str, Any]) -> bytes:
    body = request.get("body")
    if not isinstance(body, Mapping):
        return b""
    if body.get("inputTruncated"):
        # The app would see part of the body as if it were all of it.
        raise BadRequest(
            "Lambda@Edge truncated the request body (over 40 KB for viewer requests, "
            "1 MB for origin requests): refusing to pass on a partial body"
        )
    return decode_body(body.get("data"), body.get("encoding") == "base64", source="lambda-edge")


class LambdaEdge:
    """CloudFront Lambda@Edge viewer-request and origin-request triggers."""

    name = "lambda-edge"

    def matches(self, event: Event) -> bool:
        # Response triggers match too, so that they are refused clearly
        # rather than mistaken for some other kind of event.
        return _record(event) is not None

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        cf = _record(event) or {}
        trigger = _trigger(cf)
        if trigger in RESPONSE_TRIGGERS:
            raise UnsupportedEvent(
                event,
                (name,),
                f"Lambda@Edge {trigger} events carry a response for the function to "
                "edit, not a request for an app to answer: hatchway serves only "
                "viewer-request and origin-request triggers. Associate the function "
                f"with one of those, or give the {trigger} trigger a separate handler",
            )
        request = cf.get("request")
        if not isinstance(request, Mapping):
            raise InvalidEvent(name, "Records[0].cf.request", "is missing")
        method = require_method(request.get("method"), name, "Records[0].cf.request.method")
        path, raw_path = from_encoded(
            require_path(request.get("uri"), name, "Records[0].cf.request.uri")
        )
        headers, last = collect_headers(
            None, _header_lists(request.get("headers")), source_name=name
        )
        # CloudFront sets CloudFront-Forwarded-Proto (overwriting a viewer's)
        # only after the viewer-request trigger; earlier it is client-supplied.
        # It sets no X-Forwarded-Proto or -Port at all: any the request holds
        # came from the viewer, so neither is read.
        scheme = "https"
        if trigger == "origin-request":
            proto = last.get("cloudfront-forwarded-proto")
            if proto in ("http", "https"):
                scheme = proto
        server, scheme = server_and_scheme(
            last,
            mapping(cf.get("config")).get("distributionDomainName"),
            proto_header=None,
            port_header=None,
            default_scheme=scheme,
        )
        query = request.get("querystring")
        client_ip = request.get("clientIp")
        # Positional (method, path, raw_path, root_path, query_string, headers,
        # body, client, server, scheme): ten keywords double the cost of the call.
        return Request(
            method,
            path,
            raw_path,
            mount_point(path, options.base_path),
            latin1(query) if isinstance(query, str) else b"",
            headers,
            _body(request),
            client_address(client_ip),
            server,
            scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        return _generated_response(response, options)

    def response_limit(self, event: Event) -> int:
        """CloudFront's size limit for a response generated by this trigger."""
        trigger = mapping((_record(event) or {}).get("config")).get("eventType")
        # A hand-made event with no trigger: assume the stricter limit.
        return RESPONSE_LIMITS.get(str(trigger), RESPONSE_LIMITS["viewer-request"])

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
        return build_edge_event(request, settings)

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response:
        return read_edge_result(result, self.name)


def _generated_response(response: Response, options: SourceOptions) -> dict[str, Any]:
    status = response.status
    headers: dict[str, list[dict[str, str]]] = {}
    for name, value in response.headers:
        if is_forbidden_header(name):
            continue
        headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    result: dict[str, Any] = {
        "status": str(status),
        "statusDescription": status_line(status).partition(" ")[2],
        "headers": headers,
    }
    if response.body and status not in _NO_BODY:
        body, is_base64 = options.codec.encode_for(response)
        result["body"] = body
        result["bodyEncoding"] = "base64" if is_base64 else "text"
    return result


# The gateway direction: what CloudFront sends a viewer-request function and
# how it reads the generated response.

_DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"
_DEFAULT_DOMAIN = "d111111abcdef8.cloudfront.net"
_BAD_GATEWAY = (
    b"<html><head><title>502 ERROR</title></head><body><h1>502 ERROR</h1>"
    b"<p>The Lambda function returned an invalid response: CloudFront could not "
    b"satisfy the request.</p></body></html>"
)


def build_edge_event(request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
    """The viewer-request event CloudFront sends for ``request``.

    ``uri`` and ``querystring`` exactly as the viewer sent them; every header
    under its lower-case name, each value a ``{key, value}`` pair keeping the
    viewer's letter case. CloudFront adds no X-Forwarded-For before the viewer
    request (it does on the way to the origin). The body appears as the
    distribution's "include body" option shows it: base64, cut at 40 KB with
    ``inputTruncated`` set.
    """
    from base64 import b64encode

    from . import gateway

    headers: dict[str, list[dict[str, str]]] = {}
    for name, value in request.headers:
        headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    domain = gateway.host_of(request, settings, _DEFAULT_DOMAIN)
    if ".cloudfront.net" not in domain:
        domain = settings.domain_name or _DEFAULT_DOMAIN
    cf_request: dict[str, Any] = {
        "clientIp": request.client[0],
        "headers": headers,
        "method": request.method,
        "querystring": request.query,
        "uri": request.path or "/",
    }
    if request.body:
        limit = RESPONSE_LIMITS["viewer-request"]
        cf_request["body"] = {
            "inputTruncated": len(request.body) > limit,
            "action": "read-only",
            "encoding": "base64",
            "data": b64encode(request.body[:limit]).decode("ascii"),
        }
    config = {
        "distributionDomainName": domain,
        "distributionId": _DISTRIBUTION_ID,
        "eventType": "viewer-request",
        "requestId": settings.new_request_id(),
    }
    return {"Records": [{"cf": {"config": config, "request": cf_request}}]}


def read_edge_result(result: Any, source: str) -> Response:
    """The HTTP response CloudFront makes of a generated response.

    ``status`` (a string; a number is taken too) must be 200-599; headers are
    ``{lower: [{key, value}]}`` with ``key`` optional, none of them one
    CloudFront forbids; ``body`` is text unless ``bodyEncoding`` is
    ``base64``; the whole response must fit in 40 KB. Anything else is
    CloudFront's 502. A result without ``status`` is a request sent on to the
    origin, which there is none of here: also an error.
    """
    import json

    from . import gateway

    try:
        result = gateway.require_mapping(result, source)
        if "status" not in result and "uri" in result:
            raise GatewayError(
                502,
                f"the {source} function returned the request instead of a response: "
                "CloudFront would forward it to the origin, and there is none here",
                headers=[("content-type", "text/html")],
                body=_BAD_GATEWAY,
            )
        status = _edge_status(result.get("status"), source)
        raw = result.get("headers")
        if raw is not None and not isinstance(raw, Mapping):
            raise MalformedResponse(502, f"malformed {source} response: headers is not an object")
        headers: list[tuple[str, str]] = []
        for lower, items in (raw or {}).items():
            if is_forbidden_header(str(lower)):
                raise MalformedResponse(
                    502, f"malformed {source} response: CloudFront forbids header {lower!r}"
                )
            if not isinstance(items, list):
                raise MalformedResponse(
                    502, f"malformed {source} response: header {lower!r} must be a list"
                )
            for item in items:
                value = item.get("value") if isinstance(item, Mapping) else None
                if not isinstance(value, str):
                    raise MalformedResponse(
                        502,
                        f"malformed {source} response: header {lower!r} needs "
                        "[{key, value}] pairs with string values",
                    )
                key = item.get("key")
                headers.append((key if isinstance(key, str) and key else str(lower), value))
        body = _edge_body(result, source)
        size = len(json.dumps(result, separators=(",", ":")).encode("utf-8"))
        if size > RESPONSE_LIMITS["viewer-request"]:
            raise MalformedResponse(
                502,
                f"{source} response is {size} bytes, over CloudFront's "
                f"{RESPONSE_LIMITS['viewer-request']}-byte limit for a viewer request",
            )
    except MalformedResponse as exc:
        exc.headers = [("content-type", "text/html")]
        exc.body = _BAD_GATEWAY
        raise
    return Response(status, headers, body)


def _edge_status(status: Any, source: str) -> int:
    if isinstance(status, str) and status.isascii() and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        raise MalformedResponse(502, f"malformed {source} response: status is {status!r}")
    return status


def _edge_body(result: Mapping[str, Any], source: str) -> bytes:
    from base64 import b64decode

    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(502, f"malformed {source} response: body must be a string")
    encoding = result.get("bodyEncoding", "text")
    if encoding == "base64":
        try:
            return b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedResponse(
                502, f"malformed {source} response: body is flagged base64 but does not decode"
            ) from exc
    if encoding != "text":
        raise MalformedResponse(
            502, f"malformed {source} response: bodyEncoding must be 'text' or 'base64'"
        )
    return body.encode("utf-8")
