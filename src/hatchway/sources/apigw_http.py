"""API Gateway HTTP APIs (payload format 2.0) and Lambda Function URLs.

Both send ``version: "2.0"`` with ``requestContext.http``; a Function URL's
``requestContext.domainName`` is ``{url-id}.lambda-url.{region}.on.aws``. The
path comes from ``rawPath`` (``requestContext.http.path`` drops a trailing
slash). HTTP APIs deliver ``rawPath`` already decoded (``/a%2Fb`` arrives as
``/a/b``) and put a named stage into it on the API's ``execute-api`` domain
only (on a custom domain ``/prod/...`` is the client's own path); Function URLs
deliver it encoded. ``rawQueryString`` is passed verbatim; ``cookies[]``
becomes one ``cookie`` header (an empty list leaves a Cookie header as it is).

Response: ``statusCode`` (always: without it AWS wraps the whole dict as
JSON), ``headers`` with repeats joined by ``", "``, every Set-Cookie in
``cookies``, ``body``, ``isBase64Encoded``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._typing import TYPE_CHECKING
from ..http import Request, Response
from .base import ClientRequest, Event, GatewaySettings, MalformedResponse, SourceOptions
from .body import decode_body
from .fields import mapping, require_method, require_path
from .headers import (
    client_address,
    collect_headers,
    fold_headers,
    latin1,
    server_and_scheme,
)
from .paths import (
    from_decoded,
    from_encoded,
    has_prefix,
    http_api_stage,
    is_execute_api_domain,
    mount_point,
    strip_prefix,
)

if TYPE_CHECKING:
    from typing import Any

__all__ = ["FUNCTION_ERROR_BODY", "ApiGatewayHttp", "FunctionUrl", "is_function_url_domain"]


def is_function_url_domain(domain: Any) -> bool:
    """Whether ``domain`` is a Function URL's own, ``{url-id}.lambda-url.{region}.on.aws``.

    The whole shape, not a ``.lambda-url.`` substring: an HTTP API's custom
    domain may well contain that (``x.lambda-url.example.com``) and its
    events must keep the HTTP API's decoded-path and stage rules.
    """
    if not isinstance(domain, str):
        return False
    domain = domain.lower()
    if ".lambda-url." not in domain:  # any other domain, at once
        return False
    labels = domain.split(".")
    return len(labels) == 5 and labels[1] == "lambda-url" and labels[3:] == ["on", "aws"]


class ApiGatewayHttp:
    """API Gateway HTTP API, payload format 2.0."""

    name = "apigw-http"
    #: Whether the gateway decodes ``rawPath`` before handing it over.
    path_is_decoded = True

    def matches(self, event: Event) -> bool:
        # A payload 2.0 event, and no other built-in source's (see BUILTIN_SOURCES);
        # a Function URL's domain tells the two payload 2.0 sources apart.
        fields = event if type(event) is dict else mapping(event)
        if fields.get("version") != "2.0":
            return False
        context = fields.get("requestContext")
        if (
            not isinstance(context, (dict, Mapping))
            or "http" not in context
            or "elb" in context
            or "Records" in fields
        ):
            return False
        return is_function_url_domain(context.get("domainName")) is not self.path_is_decoded

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        fields: dict[str, Any] = event if type(event) is dict else mapping(event)
        value = fields.get("requestContext")
        context: dict[str, Any] = value if type(value) is dict else mapping(value)
        value = context.get("http")
        http: dict[str, Any] = value if type(value) is dict else mapping(value)
        method = require_method(http.get("method"), name, "requestContext.http.method")
        raw = fields.get("rawPath")
        if raw is None:
            # Hand-made events: http.path lacks a trailing slash but is better than none.
            raw = http.get("path")
        raw = require_path(raw, name, "rawPath")

        stage = http_api_stage(context) if self.path_is_decoded else ""
        if stage and not has_prefix(raw, stage):
            stage = ""
        if stage and options.strip_stage:
            raw, stage = strip_prefix(raw, stage), ""
        base_path = options.base_path
        if base_path and self.path_is_decoded and not stage:
            domain = context.get("domainName")
            if isinstance(domain, str) and not is_execute_api_domain(domain):
                # On a custom domain AWS drops the API mapping's path from rawPath
                # (unlike REST APIs); put it back so the app's URLs include it.
                raw = base_path + raw
        path, raw_path = from_decoded(raw) if self.path_is_decoded else from_encoded(raw)
        root_path = (
            (stage + mount_point(path[len(stage) :], base_path)) if stage or base_path else ""
        )

        cookies = fields.get("cookies")
        headers, last = collect_headers(
            fields.get("headers"),
            cookies=cookies if type(cookies) is list else None,
            source_name=name,
        )
        server, scheme = server_and_scheme(last, context.get("domainName"), proto_header=None)
        query = fields.get("rawQueryString")
        # Positional (method, path, raw_path, root_path, query_string, headers,
        # body, client, server, scheme): ten keywords double the cost of the call.
        return Request(
            method,
            path,
            raw_path,
            root_path,
            latin1(query) if isinstance(query, str) else b"",
            headers,
            decode_body(fields.get("body"), fields.get("isBase64Encoded"), source=name),
            client_address(http.get("sourceIp")),
            server,
            scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        first, repeated, spelling = fold_headers(response.headers)
        # The body first: joining below rewrites the first values it reads.
        body, is_base64 = options.codec.encode_folded(response.body, first, spelling)
        headers, cookies = _joined_and_cookies(first, repeated, spelling)
        result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies:
            result["cookies"] = cookies
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        return result

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
        return build_v2_event(request, settings, function_url=not self.path_is_decoded)

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response:
        return read_v2_result(result, self.name)


class FunctionUrl(ApiGatewayHttp):
    """Lambda Function URL: the payload 2.0 shape with an encoded ``rawPath`` and no stage."""

    name = "function-url"
    path_is_decoded = False

    def render_prelude(
        self, status: int, headers: list[tuple[str, str]], event: Event, options: SourceOptions
    ) -> dict[str, Any]:
        """The head of a streamed response (``InvokeMode: RESPONSE_STREAM``):
        ``statusCode``, ``headers`` with repeats joined, every Set-Cookie in ``cookies``."""
        joined, cookies = _joined_and_cookies(*fold_headers(headers))
        prelude: dict[str, Any] = {"statusCode": status, "headers": joined}
        if cookies:
            prelude["cookies"] = cookies
        return prelude


def _joined_and_cookies(
    joined: dict[str, str], repeated: dict[str, list[str]], spelling: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Payload 2.0 response headers from ``fold_headers``: repeats joined with
    ``", "`` under the letter case first seen, and every Set-Cookie apart
    (``cookies``). ``joined`` (the first values) is rewritten in place."""
    cookies: list[str] = []
    cookie_name = spelling.get("set-cookie")
    if cookie_name is not None:
        cookies = repeated.pop(cookie_name, [joined[cookie_name]])
        del joined[cookie_name]
    for name, values in repeated.items():
        joined[name] = ", ".join(values)
    return joined, cookies


# The gateway direction: what an HTTP API (payload 2.0, $default route) or a
# Function URL sends, and how it reads the result.

#: What an HTTP API or Function URL answers when the function fails or returns
#: a malformed result.
FUNCTION_ERROR_BODY = b'{"message":"Internal Server Error"}'


def gateway_decoded_path(path: str) -> str:
    """The path as an HTTP API hands it over: percent-decoded once, and cut at
    a decoded ``?`` (``/a%3Fb`` arrives as ``/a``)."""
    from urllib.parse import unquote

    return unquote(path).partition("?")[0] or "/"


_FUNCTION_URL_DOMAIN = "abcdefgh12345678.lambda-url.us-east-1.on.aws"
_EXECUTE_API_DOMAIN = "abcdef1234.execute-api.us-east-1.amazonaws.com"


def _own_domain(
    request: ClientRequest, settings: GatewaySettings, is_own: Any, default: str
) -> str:
    """The service's own domain the request reached: the Host header or the
    configured domain when either has the service's shape, else ``default``."""
    for candidate in (request.header("host"), settings.domain_name):
        if candidate and is_own(candidate):
            return candidate
    return default


def build_v2_event(
    request: ClientRequest, settings: GatewaySettings, *, function_url: bool
) -> dict[str, Any]:
    """The payload 2.0 event for ``request``.

    HTTP API: ``rawPath`` decoded; on the API's own endpoint a named stage
    leads the URL and stays in ``rawPath``; on a custom domain the API
    mapping's base path is left out of it (AWS: "rawPath won't provide the API
    mapping value"). Function URL: ``rawPath`` exactly as sent, no stage.
    Both: ``rawQueryString`` as sent; header names lower-case with repeats
    joined by ``,``; every cookie in ``cookies`` and none in ``headers``;
    ``queryStringParameters`` decoded, repeats joined by ``,``; text bodies
    as text, others base64.
    """
    from . import gateway

    wire_path = request.path or "/"
    if function_url:
        stage = "$default"
        raw_path = wire_path
        domain = _own_domain(request, settings, is_function_url_domain, _FUNCTION_URL_DOMAIN)
    else:
        stage = settings.stage or "$default"
        if settings.stage_in_url:
            if stage != "$default":
                gateway.require_under(wire_path, "/" + stage, "stage")
            raw_path = gateway_decoded_path(wire_path)
        else:
            below = gateway.require_under(wire_path, settings.base_path, "base path")
            raw_path = gateway_decoded_path(below)
        if settings.stage_in_url:
            # The API's own endpoint: its domainName is execute-api's.
            domain = _own_domain(request, settings, is_execute_api_domain, _EXECUTE_API_DOMAIN)
        else:
            domain = gateway.host_of(request, settings, _EXECUTE_API_DOMAIN)
    moment = settings.now()
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in gateway.forwarded_headers(request):
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        elif lower in headers:
            headers[lower] += "," + value
        else:
            headers[lower] = value
    headers["x-amzn-trace-id"] = gateway.new_trace_id(moment)
    query: dict[str, str] = {}
    for key, value in gateway.query_pairs(request.query, decode=True):
        query[key] = f"{query[key]},{value}" if key in query else value

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    api_id = domain.partition(".")[0]
    event["requestContext"] = {
        "accountId": "anonymous" if function_url else "123456789012",
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": request.method,
            # AWS drops a trailing slash here; rawPath keeps it.
            "path": raw_path.rstrip("/") or "/",
            "protocol": "HTTP/1.1",
            "sourceIp": request.client[0],
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": settings.new_request_id(),
        "routeKey": "$default",
        "stage": stage,
        "time": gateway.clf_time(moment),
        "timeEpoch": gateway.epoch_millis(moment),
    }
    if request.body:
        body, is_base64 = gateway.body_field(request.body, request.header("content-type"))
        event["body"] = body
        event["isBase64Encoded"] = is_base64
    else:
        event["isBase64Encoded"] = False
    return event


def read_v2_result(result: Any, source: str) -> Response:
    """The HTTP response an HTTP API (payload 2.0) or Function URL makes of ``result``.

    Without ``statusCode`` AWS guesses: status 200, ``application/json``, and
    the result itself as the body (a string as is, anything else as JSON).
    ``headers`` values pass through; each ``cookies`` entry becomes a
    Set-Cookie header. A base64 body is always decoded. Anything malformed is
    the gateway's 502.
    """
    import json

    from . import gateway

    if not isinstance(result, Mapping) or "statusCode" not in result:
        text = result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))
        return Response(200, [("content-type", "application/json")], text.encode("utf-8"))
    try:
        status = gateway.read_status(result, source)
        headers = gateway.response_headers(
            gateway.response_header_map(result, "headers", source), source
        )
        cookies = result.get("cookies")
        if cookies is not None:
            if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
                raise MalformedResponse(
                    502,
                    f"malformed Lambda proxy response for {source}: cookies must be a list "
                    "of strings",
                )
            headers.extend(("set-cookie", cookie) for cookie in cookies)
        body = gateway.read_body(result, source)
    except MalformedResponse as exc:
        exc.body = FUNCTION_ERROR_BODY
        raise
    return Response(status, headers, body)
