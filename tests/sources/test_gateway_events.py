"""The gateway direction, request side: one row per thing the real service does
to a request on its way into the event."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

import pytest

from hatchway.testing import GatewayError, build_event

MOMENT = datetime(2020, 3, 12, 19, 3, 58, 390000, tzinfo=timezone.utc)
FIXED = {"request_id": "req-42", "time": MOMENT}


def dig(event: dict[str, Any], dotted: str) -> Any:
    value: Any = event
    for part in dotted.split("."):
        value = value[part]
    return value


# (source, method, url, build_event keywords, field, expected value)
ROWS = [
    # REST API
    ("apigw-rest", "GET", "/a%2Fb%20c", {}, "path", "/a%2Fb%20c"),
    ("apigw-rest", "GET", "/prod/items", {"stage": "prod", "stage_in_url": True}, "path", "/items"),
    (
        "apigw-rest",
        "GET",
        "/prod/items",
        {"stage": "prod", "stage_in_url": True},
        "requestContext.path",
        "/prod/items",
    ),
    (
        "apigw-rest",
        "GET",
        "/prod/items",
        {"stage": "prod", "stage_in_url": True},
        "requestContext.stage",
        "prod",
    ),
    ("apigw-rest", "GET", "/prod", {"stage": "prod", "stage_in_url": True}, "path", "/"),
    ("apigw-rest", "GET", "/v1/items", {"base_path": "/v1"}, "path", "/v1/items"),
    ("apigw-rest", "GET", "/v1/items", {"base_path": "/v1"}, "requestContext.path", "/v1/items"),
    (
        "apigw-rest",
        "GET",
        "/x",
        {"headers": [("X-Tag", "1"), ("x-tag", "2")]},
        "headers.X-Tag",
        "2",
    ),
    (
        "apigw-rest",
        "GET",
        "/x",
        {"headers": [("X-Tag", "1"), ("x-tag", "2")]},
        "multiValueHeaders.X-Tag",
        ["1", "2"],
    ),
    (
        "apigw-rest",
        "GET",
        "/x?q=a+b&q=%26&e=",
        {},
        "multiValueQueryStringParameters",
        {"q": ["a b", "&"], "e": [""]},
    ),
    ("apigw-rest", "GET", "/x?q=a+b&q=%26", {}, "queryStringParameters", {"q": "&"}),
    ("apigw-rest", "GET", "/x", {}, "queryStringParameters", None),
    ("apigw-rest", "GET", "/x", {}, "body", None),
    ("apigw-rest", "POST", "/x", {"body": b"\xff\x00"}, "body", "/wA="),
    ("apigw-rest", "POST", "/x", {"body": b"\xff\x00"}, "isBase64Encoded", True),
    (
        "apigw-rest",
        "POST",
        "/x",
        {
            "body": "caf\u00e9",
            "headers": {"Content-Type": "text/plain"},
            "binary_media_types": ["image/*"],
        },
        "body",
        "caf\u00e9",
    ),
    (
        "apigw-rest",
        "POST",
        "/x",
        {"body": b"\xff", "headers": {"Content-Type": "text/plain"}, "binary_media_types": []},
        "body",
        "\ufffd",
    ),
    (
        "apigw-rest",
        "POST",
        "/x",
        {
            "body": b"\xff",
            "headers": {"Content-Type": "image/png"},
            "binary_media_types": ["image/*"],
        },
        "isBase64Encoded",
        True,
    ),
    (
        "apigw-rest",
        "GET",
        "/x",
        {"headers": {"X-Forwarded-For": "6.6.6.6"}},
        "headers.X-Forwarded-For",
        "6.6.6.6, 127.0.0.1",
    ),
    ("apigw-rest", "GET", "/x", {}, "requestContext.identity.sourceIp", "127.0.0.1"),
    ("apigw-rest", "GET", "/x", FIXED, "requestContext.requestId", "req-42"),
    ("apigw-rest", "GET", "/x", FIXED, "requestContext.requestTime", "12/Mar/2020:19:03:58 +0000"),
    ("apigw-rest", "GET", "/x", FIXED, "requestContext.requestTimeEpoch", 1584039838390),
    ("apigw-rest", "GET", "/a%20b", {}, "pathParameters", {"proxy": "a b"}),
    # HTTP API (payload 2.0)
    ("apigw-http", "GET", "/a%2Fb%20c", {}, "rawPath", "/a/b c"),
    ("apigw-http", "GET", "/100%25", {}, "rawPath", "/100%"),
    ("apigw-http", "GET", "/a%3Fb", {}, "rawPath", "/a"),
    (
        "apigw-http",
        "GET",
        "/dev/items",
        {"stage": "dev", "stage_in_url": True},
        "rawPath",
        "/dev/items",
    ),
    (
        "apigw-http",
        "GET",
        "/dev/items",
        {"stage": "dev", "stage_in_url": True},
        "requestContext.stage",
        "dev",
    ),
    ("apigw-http", "GET", "/items", {}, "requestContext.stage", "$default"),
    ("apigw-http", "GET", "/v1/items", {"base_path": "/v1"}, "rawPath", "/items"),
    ("apigw-http", "GET", "/my/path/", {}, "rawPath", "/my/path/"),
    ("apigw-http", "GET", "/my/path/", {}, "requestContext.http.path", "/my/path"),
    ("apigw-http", "GET", "/x?q=a+b&q=%26", {}, "rawQueryString", "q=a+b&q=%26"),
    ("apigw-http", "GET", "/x?q=a+b&q=%26", {}, "queryStringParameters", {"q": "a b,&"}),
    (
        "apigw-http",
        "GET",
        "/x",
        {"headers": [("X-Tag", "1"), ("x-tag", "2")]},
        "headers.x-tag",
        "1,2",
    ),
    (
        "apigw-http",
        "GET",
        "/x",
        {"headers": [("Cookie", "a=1; b=2"), ("Cookie", "c=3")]},
        "cookies",
        ["a=1", "b=2", "c=3"],
    ),
    ("apigw-http", "POST", "/x", {"json": {"k": "\u00e9"}}, "body", '{"k": "\\u00e9"}'),
    (
        "apigw-http",
        "POST",
        "/x",
        {"body": b"\x89PNG", "headers": {"content-type": "image/png"}},
        "isBase64Encoded",
        True,
    ),
    (
        "apigw-http",
        "POST",
        "/x",
        {"body": b"\xff", "headers": {"content-type": "text/plain"}},
        "isBase64Encoded",
        True,
    ),
    ("apigw-http", "GET", "/x", FIXED, "requestContext.time", "12/Mar/2020:19:03:58 +0000"),
    ("apigw-http", "GET", "/x", FIXED, "requestContext.timeEpoch", 1584039838390),
    (
        "apigw-http",
        "GET",
        "/x",
        {"client": ("203.0.113.9", 1234)},
        "requestContext.http.sourceIp",
        "203.0.113.9",
    ),
    (
        "apigw-http",
        "GET",
        "https://api.example.com/x",
        {},
        "requestContext.domainName",
        "api.example.com",
    ),
    # Function URL
    ("function-url", "GET", "/a%2Fb%20c", {}, "rawPath", "/a%2Fb%20c"),
    ("function-url", "GET", "/x", {}, "requestContext.stage", "$default"),
    (
        "function-url",
        "GET",
        "https://abc.lambda-url.eu-west-1.on.aws/x",
        {},
        "requestContext.domainName",
        "abc.lambda-url.eu-west-1.on.aws",
    ),
    (
        "function-url",
        "GET",
        "https://api.example.com/x",
        {},
        "requestContext.domainName",
        "abcdefgh12345678.lambda-url.us-east-1.on.aws",
    ),
    ("function-url", "GET", "/x", {"headers": [("Cookie", "a=1")]}, "cookies", ["a=1"]),
    # ALB
    ("alb", "GET", "/a%2Fb%20c", {}, "path", "/a%2Fb%20c"),
    ("alb", "GET", "/x?q=a+b&q=%26", {}, "queryStringParameters", {"q": "%26"}),
    (
        "alb",
        "GET",
        "/x?q=a+b&q=%26",
        {"multi_value": True},
        "multiValueQueryStringParameters",
        {"q": ["a+b", "%26"]},
    ),
    ("alb", "GET", "/x", {"headers": [("X-Tag", "1"), ("x-tag", "2")]}, "headers.x-tag", "2"),
    (
        "alb",
        "GET",
        "/x",
        {"headers": [("X-Tag", "1"), ("x-tag", "2")], "multi_value": True},
        "multiValueHeaders.x-tag",
        ["1", "2"],
    ),
    (
        "alb",
        "GET",
        "/x",
        {"headers": {"X-Forwarded-For": "6.6.6.6"}},
        "headers.x-forwarded-for",
        "6.6.6.6, 127.0.0.1",
    ),
    ("alb", "GET", "/x", {}, "headers.x-forwarded-proto", "https"),
    ("alb", "GET", "/x", {}, "body", ""),
    (
        "alb",
        "POST",
        "/x",
        {"body": b"\x00\x01", "headers": {"content-type": "application/octet-stream"}},
        "body",
        "AAE=",
    ),
]


@pytest.mark.parametrize(
    ("source", "method", "url", "kwargs", "field", "expected"),
    [pytest.param(*row, id=f"{row[0]}:{row[4]}:{row[2]}") for row in ROWS],
)
def test_build_event_does_what_the_gateway_does(
    source: str, method: str, url: str, kwargs: dict[str, Any], field: str, expected: Any
) -> None:
    assert dig(build_event(source, method, url, **kwargs), field) == expected


@pytest.mark.parametrize(
    ("source", "kwargs"),
    [
        pytest.param("apigw-http", {}, id="apigw-http"),
        pytest.param("function-url", {}, id="function-url"),
    ],
)
def test_cookies_never_stay_in_payload_2_headers(source: str, kwargs: dict[str, Any]) -> None:
    event = build_event(source, "GET", "/", headers={"Cookie": "a=1"}, **kwargs)
    assert "cookie" not in event["headers"]


def test_payload_2_omits_cookies_query_and_body_when_absent() -> None:
    event = build_event("apigw-http", "GET", "/")
    assert "cookies" not in event
    assert "queryStringParameters" not in event
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_single_value_alb_has_no_multi_value_maps_and_the_other_way_round() -> None:
    single = build_event("alb", "GET", "/?a=1")
    multi = build_event("alb", "GET", "/?a=1", multi_value=True)
    assert "multiValueHeaders" not in single
    assert "multiValueQueryStringParameters" not in single
    assert "headers" not in multi
    assert "queryStringParameters" not in multi


def test_binary_body_round_trips_through_base64() -> None:
    body = bytes(range(256))
    event = build_event("apigw-http", "PUT", "/", body=body)
    assert base64.b64decode(event["body"]) == body


def test_every_request_gets_a_fresh_request_id_unless_fixed() -> None:
    first = build_event("apigw-http", "GET", "/")["requestContext"]["requestId"]
    second = build_event("apigw-http", "GET", "/")["requestContext"]["requestId"]
    assert first != second


@pytest.mark.parametrize(
    ("source", "url", "kwargs", "status"),
    [
        pytest.param(
            "apigw-rest", "/dev/x", {"stage": "prod", "stage_in_url": True}, 403, id="rest-stage"
        ),
        pytest.param(
            "apigw-rest",
            "/prodx",
            {"stage": "prod", "stage_in_url": True},
            403,
            id="rest-stage-per-segment",
        ),
        pytest.param(
            "apigw-http", "/v1beta", {"base_path": "/v1"}, 404, id="http-base-path-per-segment"
        ),
    ],
)
def test_urls_outside_the_api_are_refused_by_the_gateway(
    source: str, url: str, kwargs: dict[str, Any], status: int
) -> None:
    with pytest.raises(GatewayError) as caught:
        build_event(source, "GET", url, **kwargs)
    assert caught.value.status == status


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="apigw-http"):
        build_event("apigw-websocket", "GET", "/")


def test_settings_and_keyword_options_are_exclusive() -> None:
    from hatchway.testing import GatewaySettings

    with pytest.raises(TypeError, match="not both"):
        build_event("alb", "GET", "/", settings=GatewaySettings(), multi_value=True)
