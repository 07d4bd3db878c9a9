"""API Gateway REST APIs (payload format 1.0), and HTTP APIs using payload 1.0.

Event: ``httpMethod`` + ``requestContext`` (no ``elb``, ``connectionId`` or
``eventType``). REST sends ``path`` percent-encoded and without the stage;
``requestContext.path`` carries the stage (``/prod/items`` for ``/items``).
HTTP APIs on payload 1.0 add ``version: "1.0"`` and deliver ``path`` decoded.
Query values arrive decoded and are re-encoded here.

Response: ``statusCode``, single-valued ``headers`` and repeated ones (several
Set-Cookie, Vary, Link) in ``multiValueHeaders``, ``body``, ``isBase64Encoded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..http import Request, Response
from ._body import decode_body
from ._fields import mapping, require_method, require_path
from ._headers import collect_headers, group_response_headers, server_and_scheme
from ._paths import from_decoded, from_encoded, has_prefix, mount_point
from .base import Event, SourceOptions

__all__ = ["ApiGatewayRest", "encode_query", "render_single_and_multi"]


def encode_query(single: Any, multi: Any) -> bytes:
    """A query string from decoded parameter maps, each key and value re-encoded."""
    params = multi if isinstance(multi, Mapping) and multi else single
    if not isinstance(params, Mapping) or not params:
        return b""
    parts = []
    for key, values in params.items():
        name = quote(str(key), safe="")
        if values is None:
            values = [""]
        elif not isinstance(values, list):
            values = [values]
        for value in values:
            parts.append(f"{name}={quote(str(value), safe='')}")
    return "&".join(parts).encode("ascii")


def render_single_and_multi(response: Response, options: SourceOptions) -> dict[str, Any]:
    """The payload 1.0 response: single values in ``headers``, repeats in ``multiValueHeaders``."""
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, values in group_response_headers(response.headers).items():
        if len(values) == 1:
            headers[name] = values[0]
        else:
            multi[name] = values
    body, is_base64 = options.body.encode(
        response.body, response.header("content-type"), response.header("content-encoding")
    )
    result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
    if multi:
        result["multiValueHeaders"] = multi
    result["body"] = body
    result["isBase64Encoded"] = is_base64
    return result


class ApiGatewayRest:
    """API Gateway REST API proxy integration (and HTTP API payload 1.0)."""

    name = "apigw-rest"

    def matches(self, event: Event) -> bool:
        if "httpMethod" not in event:
            return False
        context = event.get("requestContext")
        if context is None:
            return True  # console tests and hand-made events may omit it
        return isinstance(context, Mapping) and not (
            "elb" in context or "connectionId" in context or "eventType" in context
        )

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        method = require_method(event.get("httpMethod"), name, "httpMethod")
        path_field = require_path(event.get("path"), name, "path")
        context = mapping(event.get("requestContext"))
        http_api = event.get("version") == "1.0"

        stage = ""
        if not options.strip_stage:
            stage = _stage_prefix(path_field, context, http_api)
        prefix = "" if stage and has_prefix(path_field, stage) else stage
        if http_api:
            path, raw_path = from_decoded(prefix + path_field)
        else:
            path, raw_path = from_encoded(prefix + path_field)
        root_path = stage + mount_point(path[len(stage) :], options.base_path)

        headers = collect_headers(event.get("headers"), event.get("multiValueHeaders"))
        server, scheme = server_and_scheme(headers, context.get("domainName"))
        source_ip = mapping(context.get("identity")).get("sourceIp")
        return Request(
            method=method,
            path=path,
            raw_path=raw_path,
            root_path=root_path,
            query_string=encode_query(
                event.get("queryStringParameters"), event.get("multiValueQueryStringParameters")
            ),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded"), source=name),
            client=(source_ip, 0) if isinstance(source_ip, str) and source_ip else None,
            server=server,
            scheme=scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        return render_single_and_multi(response, options)


def _stage_prefix(path: str, context: Mapping[str, Any], http_api: bool) -> str:
    """The mount point API Gateway put in front of ``path`` (a stage, a base path).

    REST sends ``requestContext.path`` with it and ``path`` without, so the
    extra leading part of ``requestContext.path`` is the mount point. HTTP APIs
    put a named stage into ``path`` itself.
    """
    stage = context.get("stage")
    if http_api and isinstance(stage, str) and stage and stage != "$default":
        candidate = "/" + stage
        if has_prefix(path, candidate):
            return candidate
    full = context.get("path")
    if not isinstance(full, str) or len(full) <= len(path) or not full.startswith("/"):
        return ""
    if full.endswith(path):
        prefix = full[: len(full) - len(path)]
    elif path == "/":
        prefix = full  # the API's root requested without a trailing slash: /prod
    else:
        return ""
    if prefix.endswith("/") or not prefix.startswith("/"):
        return ""
    return prefix
