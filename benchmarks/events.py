"""The events every adapter is given: one HTTP API 2.0 and one REST API event.

Both look like what API Gateway sends for a browser's ``GET /items/42?q=lambda``
(the field set of AWS's documented samples, with a browser's usual headers),
built here so the benchmarks need nothing outside the repository.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HTTP_API_V2", "REST", "LambdaContext", "events"]

_HEADERS = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "accept-encoding": "gzip, deflate, br",
    "accept-language": "en-GB,en;q=0.9",
    "host": "abc123defg.execute-api.eu-west-1.amazonaws.com",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "x-amzn-trace-id": "Root=1-65f1c3a2-0a1b2c3d4e5f60718293a4b5",
    "x-forwarded-for": "203.0.113.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
}

HTTP_API_V2: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/items/42",
    "rawQueryString": "q=lambda&lang=en",
    "cookies": ["session=3f1c0a9e", "theme=dark"],
    "headers": dict(_HEADERS),
    "queryStringParameters": {"q": "lambda", "lang": "en"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc123defg",
        "domainName": "abc123defg.execute-api.eu-west-1.amazonaws.com",
        "domainPrefix": "abc123defg",
        "http": {
            "method": "GET",
            "path": "/items/42",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.7",
            "userAgent": _HEADERS["user-agent"],
        },
        "requestId": "JKJaXmPLvHcESHA=",
        "routeKey": "$default",
        "stage": "$default",
        "time": "10/Mar/2024:12:00:00 +0000",
        "timeEpoch": 1710072000000,
    },
    "isBase64Encoded": False,
}

_REST_HEADERS = {name.title(): value for name, value in _HEADERS.items()}
_REST_HEADERS["Cookie"] = "session=3f1c0a9e; theme=dark"

REST: dict[str, Any] = {
    "resource": "/{proxy+}",
    "path": "/items/42",
    "httpMethod": "GET",
    "headers": dict(_REST_HEADERS),
    "multiValueHeaders": {name: [value] for name, value in _REST_HEADERS.items()},
    "queryStringParameters": {"q": "lambda", "lang": "en"},
    "multiValueQueryStringParameters": {"q": ["lambda"], "lang": ["en"]},
    "pathParameters": {"proxy": "items/42"},
    "stageVariables": None,
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc123defg",
        "domainName": "abc123defg.execute-api.eu-west-1.amazonaws.com",
        "domainPrefix": "abc123defg",
        "extendedRequestId": "JKJaXmPLvHcESHA=",
        "httpMethod": "GET",
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "sourceIp": "203.0.113.7",
            "user": None,
            "userAgent": _HEADERS["user-agent"],
            "userArn": None,
        },
        "path": "/prod/items/42",
        "protocol": "HTTP/1.1",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": "10/Mar/2024:12:00:00 +0000",
        "requestTimeEpoch": 1710072000000,
        "resourceId": "123456",
        "resourcePath": "/{proxy+}",
        "stage": "prod",
    },
    "body": None,
    "isBase64Encoded": False,
}


def events() -> dict[str, dict[str, Any]]:
    """The events by the name the results table uses."""
    return {"HTTP API v2": HTTP_API_V2, "REST": REST}


class LambdaContext:
    """The attributes of the Lambda context object that adapters read."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    memory_limit_in_mb = 1024
    aws_request_id = "6f0e3c1a-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2024/03/10/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
