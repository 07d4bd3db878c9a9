"""Small hand-made events for tests that need a request but not a particular source."""

from __future__ import annotations

import base64
from typing import Any


def http_api(
    path: str = "/",
    method: str = "GET",
    *,
    body: bytes = b"",
    query: str = "",
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "api.example.com", **(headers or {})},
        "requestContext": {
            "domainName": "api.example.com",
            "http": {"method": method, "path": path, "sourceIp": "203.0.113.9"},
            "requestId": "r-1",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }
    if cookies:
        event["cookies"] = cookies
    return event


def rest_api(path: str = "/", method: str = "GET", *, stage: str = "prod") -> dict[str, Any]:
    """An API Gateway REST API event on the execute-api domain (stage in requestContext.path)."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {
            "Host": "abc.execute-api.us-east-1.amazonaws.com",
            "X-Forwarded-Proto": "https",
        },
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "requestContext": {
            "stage": stage,
            "path": f"/{stage}{path}",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
