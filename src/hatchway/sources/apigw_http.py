"""API Gateway HTTP APIs (payload format 2.0) and Lambda Function URLs.

Both send ``version: "2.0"`` with ``requestContext.http``; a Function URL's
``requestContext.domainName`` contains ``.lambda-url.``. The path comes from
``rawPath`` (``requestContext.http.path`` drops a trailing slash). HTTP APIs
deliver ``rawPath`` already decoded (``/a%2Fb`` arrives as ``/a/b``) and put a
named stage into it; Function URLs deliver it encoded. ``rawQueryString`` is
passed verbatim; ``cookies[]`` becomes one ``cookie`` header.

Response: ``statusCode`` (always: without it AWS wraps the whole dict as
JSON), ``headers`` with repeats joined by ``", "``, every Set-Cookie in
``cookies``, ``body``, ``isBase64Encoded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import Request, Response
from ._body import decode_body
from ._fields import mapping, require_method, require_path
from ._headers import collect_headers, group_response_headers, latin1, server_and_scheme
from ._paths import from_decoded, from_encoded, has_prefix, mount_point, strip_prefix
from .base import Event, SourceOptions

__all__ = ["ApiGatewayHttp", "FunctionUrl"]


class ApiGatewayHttp:
    """API Gateway HTTP API, payload format 2.0."""

    name = "apigw-http"
    #: Whether the gateway decodes ``rawPath`` before handing it over.
    path_is_decoded = True

    def matches(self, event: Event) -> bool:
        if event.get("version") != "2.0":
            return False
        context = event.get("requestContext")
        return isinstance(context, Mapping) and "http" in context

    def parse(self, event: Event, options: SourceOptions) -> Request:
        name = self.name
        context = mapping(event.get("requestContext"))
        http = mapping(context.get("http"))
        method = require_method(http.get("method"), name, "requestContext.http.method")
        raw = event.get("rawPath")
        if (
            raw is None
        ):  # hand-made events; http.path lacks a trailing slash but is better than none
            raw = http.get("path")
        raw = require_path(raw, name, "rawPath")

        stage = ""
        named = context.get("stage")
        if self.path_is_decoded and isinstance(named, str) and named and named != "$default":
            candidate = "/" + named
            if has_prefix(raw, candidate):
                if options.strip_stage:
                    raw = strip_prefix(raw, candidate)
                else:
                    stage = candidate
        path, raw_path = from_decoded(raw) if self.path_is_decoded else from_encoded(raw)
        root_path = stage + mount_point(path[len(stage) :], options.base_path)

        cookies = event.get("cookies")
        headers = collect_headers(
            event.get("headers"), cookies=cookies if isinstance(cookies, list) else None
        )
        server, scheme = server_and_scheme(
            headers, context.get("domainName"), trust_forwarded_proto=False
        )
        source_ip = http.get("sourceIp")
        query = event.get("rawQueryString")
        return Request(
            method=method,
            path=path,
            raw_path=raw_path,
            root_path=root_path,
            query_string=latin1(query) if isinstance(query, str) else b"",
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded"), source=name),
            client=(source_ip, 0) if isinstance(source_ip, str) and source_ip else None,
            server=server,
            scheme=scheme,
        )

    def render(self, response: Response, event: Event, options: SourceOptions) -> dict[str, Any]:
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, values in group_response_headers(response.headers).items():
            if name.lower() == "set-cookie":
                cookies.extend(values)
            else:
                headers[name] = ", ".join(values)
        body, is_base64 = options.body.encode(
            response.body, response.header("content-type"), response.header("content-encoding")
        )
        result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies:
            result["cookies"] = cookies
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        return result


class FunctionUrl(ApiGatewayHttp):
    """Lambda Function URL: the payload 2.0 shape with an encoded ``rawPath`` and no stage."""

    name = "function-url"
    path_is_decoded = False

    def matches(self, event: Event) -> bool:
        if not super().matches(event):
            return False
        domain = event["requestContext"].get("domainName")
        return isinstance(domain, str) and ".lambda-url." in domain
