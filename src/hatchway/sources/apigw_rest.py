"""API Gateway REST APIs (payload format 1.0), and HTTP APIs using payload 1.0.

Event: ``httpMethod`` + ``requestContext`` (no ``elb``, ``connectionId`` or
``eventType``); an event with ``resource`` and ``requestContext`` but no
``httpMethod`` is claimed too, and refused as invalid. REST sends ``path``
percent-encoded and without the stage; ``requestContext.path`` carries the
stage (``/prod/items`` for ``/items``) on the API's ``execute-api`` domain,
and equals ``path`` on a custom domain. HTTP APIs on payload 1.0 add
``version: "1.0"``, deliver ``path`` decoded, and keep a named stage in it on
the ``execute-api`` domain only. Query values arrive decoded and are
re-encoded here; ``multiValue*`` maps win over the single-value ones per
name, and names only in the single-value map are kept.

Response: ``statusCode``, single-valued ``headers`` and repeated ones (several
Set-Cookie, Vary, Link) in ``multiValueHeaders``, ``body``, ``isBase64Encoded``.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._typing import TYPE_CHECKING
from ..http import Request, Response
from .base import ClientRequest, Event, GatewaySettings, MalformedResponse, SourceOptions
from .body import decode_body
from .fields import encode_query, mapping, require_method, require_path
from .headers import (
    client_address,
    collect_headers,
    fold_headers,
    group_response_headers,
    server_and_scheme,
)
from .paths import from_decoded, from_encoded, has_prefix, http_api_stage, mount_point

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "FUNCTION_ERROR_BODY",
    "ApiGatewayRest",
    "render_single_and_multi",
]


def render_single_and_multi(response: Response, options: SourceOptions) -> dict[str, Any]:
    """The payload 1.0 response: single values in ``headers``, repeats in ``multiValueHeaders``."""
    first, repeated, spelling = fold_headers(response.headers)
    body, is_base64 = options.codec.encode_folded(response.body, first, spelling)
    headers, multi = _split(first, repeated)
    result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
    if multi:
        result["multiValueHeaders"] = multi
    result["body"] = body
    result["isBase64Encoded"] = is_base64
    return result


def single_and_multi(
    headers: list[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Response headers grouped case-insensitively under the letter case first
    seen: names given once in the first map, repeated ones in the second."""
    first, repeated, _ = fold_headers(headers)
    return _split(first, repeated)


def _split(
    first: dict[str, str], repeated: dict[str, list[str]]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    if repeated:
        first = {name: value for name, value in first.items() if name not in repeated}
    return first, repeated


class ApiGatewayRest:
    """API Gateway REST API proxy integration (and HTTP API payload 1.0)."""

    name = "apigw-rest"

    def matches(self, event: Event) -> bool:
        fields = event if type(event) is dict else mapping(event)
        if "Records" in fields:
            return False
        context = fields.get("requestContext")
        if "httpMethod" not in fields:
            # An event of this shape that lacks its method is still claimed,
            # so that parse() refuses it naming the field (InvalidEvent).
            if "resource" not in fields or "method" in fields or context is None:
                return False
        elif context is None:
            return True  # console tests and hand-made events may omit it
        return isinstance(context, (dict, Mapping)) and not (
            "elb" in context
            or "connectionId" in context
            or "eventType" in context
            or ("http" in context and fields.get("version") == "2.0")
        )

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        fields: dict[str, Any] = event if type(event) is dict else mapping(event)
        method = require_method(fields.get("httpMethod"), name, "httpMethod")
        path_field = require_path(fields.get("path"), name, "path")
        value = fields.get("requestContext")
        context: dict[str, Any] = value if type(value) is dict else mapping(value)
        http_api = fields.get("version") == "1.0"

        if http_api:
            # HTTP API payload 1.0: a named stage leads the (decoded) path on
            # the API's execute-api domain only; custom domains never show it.
            stage = http_api_stage(context)
            if stage and not has_prefix(path_field, stage):
                stage = ""
            if stage and options.strip_stage:
                path_field, stage = path_field[len(stage) :] or "/", ""
            path, raw_path = from_decoded(path_field)
        else:
            # REST: AWS removed the stage from `path`; requestContext.path
            # still has it. The stage is put back in front, always: a path
            # that itself starts with the stage name (`/prod/prod/admin`)
            # is the client's own path below the stage.
            stage = "" if options.strip_stage else _rest_mount_point(path_field, context)
            path, raw_path = from_encoded(stage + path_field)
            if "%" in stage:
                # Spelled as requestContext.path has it: decode it as the path
                # was, or it would not prefix it. The path field starts with
                # "/", so no escape spans the two.
                stage = from_encoded(stage)[0]
        root_path = stage
        if options.base_path:
            root_path += mount_point(path[len(stage) :], options.base_path)

        headers, last = collect_headers(
            fields.get("headers"), fields.get("multiValueHeaders"), source_name=name
        )
        server, scheme = server_and_scheme(last, context.get("domainName"))
        value = context.get("identity")
        identity: dict[str, Any] = value if type(value) is dict else mapping(value)
        source_ip = identity.get("sourceIp")
        # Positional (method, path, raw_path, root_path, query_string, headers,
        # body, client, server, scheme): ten keywords double the cost of the call.
        return Request(
            method,
            path,
            raw_path,
            root_path,
            encode_query(
                fields.get("queryStringParameters"), fields.get("multiValueQueryStringParameters")
            ),
            headers,
            decode_body(fields.get("body"), fields.get("isBase64Encoded"), source=name),
            client_address(source_ip),
            server,
            scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        return render_single_and_multi(response, options)

    def render_prelude(
        self, status: int, headers: list[tuple[str, str]], event: Event, options: SourceOptions
    ) -> dict[str, Any]:
        """The head of a streamed response (response transfer mode ``STREAM``):
        ``statusCode``, single values in ``headers``, repeats in ``multiValueHeaders``."""
        single, multi = single_and_multi(headers)
        prelude: dict[str, Any] = {"statusCode": status, "headers": single}
        if multi:
            prelude["multiValueHeaders"] = multi
        return prelude

    def build_event(self, request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
        return build_rest_event(request, settings)

    def read_response(
        self, result: Any, request: ClientRequest, settings: GatewaySettings
    ) -> Response:
        return read_rest_result(result, request, settings, self.name)


def _rest_mount_point(path: str, context: Mapping[str, Any]) -> str:
    """The mount point API Gateway removed from a REST event's ``path``.

    ``requestContext.path`` is the path the client sent; ``path`` is that
    without the stage on an ``execute-api`` domain (``/prod/items`` vs
    ``/items``), and the same on a custom domain (whose API mapping stays in
    both). So the extra leading part of ``requestContext.path`` is the mount
    point, and there is none when the two agree.
    """
    full = context.get("path")
    if not isinstance(full, str) or len(full) <= len(path) or not full.startswith("/"):
        return ""
    if full.endswith(path):
        prefix = full[: len(full) - len(path)]  # not empty, and starts with "/"
    elif path == "/":
        prefix = full  # the API's root requested without a trailing slash: /prod
    else:
        return ""
    return "" if prefix.endswith("/") else prefix


# The gateway direction: what a REST API (regional endpoint, Lambda proxy
# integration on a greedy {proxy+} resource) sends and how it reads the result.

#: What a REST API answers (502) when the function fails or returns a malformed result.
FUNCTION_ERROR_BODY = b'{"message": "Internal server error"}'
_FORBIDDEN = b'{"message":"Forbidden"}'


def build_rest_event(request: ClientRequest, settings: GatewaySettings) -> dict[str, Any]:
    """The REST API proxy event for ``request``.

    ``path`` stays percent-encoded as sent. On the API's own endpoint the
    stage leads the URL: it is removed from ``path`` and kept in
    ``requestContext.path``; on a custom domain both carry the full path,
    base path included. Header names keep the client's case; ``headers`` and
    ``queryStringParameters`` hold the last of repeated keys, the
    ``multiValue*`` maps every value. Query values are decoded (``+`` too).
    The body is base64 when its Content-Type matches a binary media type,
    else text (invalid UTF-8 replaced, as the gateway does).
    """
    from base64 import b64encode
    from urllib.parse import unquote

    from . import gateway

    stage = settings.stage or "prod"
    wire_path = request.path or "/"
    if settings.stage_in_url:
        path = gateway.require_under(wire_path, "/" + stage, "stage", 403, _FORBIDDEN)
    else:
        gateway.require_under(wire_path, settings.base_path, "base path", 403, _FORBIDDEN)
        path = wire_path
    moment = settings.now()
    request_id = settings.new_request_id()

    headers = gateway.forwarded_headers(request)
    headers.append(("X-Amzn-Trace-Id", gateway.new_trace_id(moment)))
    multi_headers = group_response_headers(headers)
    single_headers = {name: values[-1] for name, values in multi_headers.items()}

    multi_query: dict[str, list[str]] = {}
    for key, value in gateway.query_pairs(request.query, decode=True):
        multi_query.setdefault(key, []).append(value)

    content_type = request.header("content-type")
    body: str | None = None
    is_base64 = False
    if request.body:
        if gateway.media_type_matches(content_type, settings.binary_media_types):
            body, is_base64 = b64encode(request.body).decode("ascii"), True
        else:
            body = request.body.decode("utf-8", "replace")

    host = gateway.host_of(request, settings, "abcdef1234.execute-api.us-east-1.amazonaws.com")
    api_id = host.partition(".")[0]
    source_ip = request.client[0]
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": request.method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": unquote(path[1:])} if path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": "/{proxy+}",
            "httpMethod": request.method,
            "extendedRequestId": request_id[:16],
            "requestTime": gateway.clf_time(moment),
            "path": wire_path,
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": gateway.epoch_millis(moment),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.header("user-agent"),
                "user": None,
            },
            "domainName": host,
            "apiId": api_id,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def read_rest_result(
    result: Any, request: ClientRequest, settings: GatewaySettings, source: str
) -> Response:
    """The HTTP response a REST API (or HTTP API payload 1.0) makes of ``result``.

    ``headers`` and ``multiValueHeaders`` are merged; a name in both takes
    its values from ``multiValueHeaders``. A body flagged base64 is decoded
    only when the request's first Accept type matches a binary media type;
    otherwise the client receives the base64 text itself, as from AWS.
    Anything malformed is the gateway's 502.
    """
    from . import gateway

    result = gateway.require_mapping(result, source)
    try:
        status = gateway.read_status(result, source)
        single = gateway.response_header_map(result, "headers", source)
        multi = gateway.response_header_map(result, "multiValueHeaders", source)
        headers: list[tuple[str, str]] = []
        multi_names = {str(name).lower() for name in multi}
        for name, value in single.items():
            if str(name).lower() not in multi_names:
                values = gateway.response_header_values(value, name, source)
                headers.extend((str(name), v) for v in values[-1:])
        headers.extend(gateway.response_headers(multi, source))
        decode = gateway.media_type_matches(request.header("accept"), settings.binary_media_types)
        body = gateway.read_body(result, source, decode_base64=decode)
    except MalformedResponse as exc:
        exc.body = FUNCTION_ERROR_BODY
        raise
    return Response(status, headers, body)
