"""API Gateway HTTP API (payload 2.0) and Function URLs: one row per mapping rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hatchway import Adapter
from helpers import Context, WsgiRecorder
from helpers.mapping import through_both

BASE: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/items",
    "rawQueryString": "",
    "headers": {"host": "abc123.execute-api.eu-west-1.amazonaws.com", "x-forwarded-proto": "https"},
    "requestContext": {
        "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
        "http": {"method": "GET", "path": "/items", "sourceIp": "203.0.113.9"},
        "stage": "$default",
    },
    "isBase64Encoded": False,
}
URL_DOMAIN = "abcdefghij.lambda-url.eu-west-1.on.aws"


def http(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key.startswith("rc_"):
            event["requestContext"][key[3:]] = value
        elif key.startswith("http_"):
            event["requestContext"]["http"][key[5:]] = value
        else:
            event[key] = value
    return event


def url(**changes: Any) -> dict[str, Any]:
    event = http(**changes)
    event["requestContext"]["domainName"] = URL_DOMAIN
    event["headers"]["host"] = URL_DOMAIN
    return event


ROWS = [
    (
        "rawPath-keeps-trailing-slash-http.path-drops",
        http(rawPath="/items/", http_path="/items"),
        {},
        {"path": "/items/", "raw_path": b"/items/"},
    ),
    (
        "http-api-path-is-already-decoded-never-twice",
        http(rawPath="/100%/a b/é"),
        {},
        {"path": "/100%/a b/é", "raw_path": b"/100%25/a%20b/%C3%A9"},
    ),
    (
        "function-url-path-is-encoded",
        url(rawPath="/caf%C3%A9/a%2Fb"),
        {},
        {"path": "/café/a/b", "raw_path": b"/caf%C3%A9/a%2Fb"},
    ),
    (
        "named-stage-in-rawPath-becomes-root_path",
        http(rawPath="/dev/items", rc_stage="dev"),
        {},
        {"path": "/dev/items", "root_path": "/dev", "raw_path": b"/dev/items"},
    ),
    (
        "named-stage-stripped-on-request",
        http(rawPath="/dev/items", rc_stage="dev"),
        {"strip_stage": True},
        {"path": "/items", "root_path": ""},
    ),
    (
        "default-stage-never-in-path",
        http(rawPath="/$default/x", rc_stage="$default"),
        {},
        {"path": "/$default/x", "root_path": ""},
    ),
    (
        "stage-and-base-path",
        http(rawPath="/dev/v1/items", rc_stage="dev"),
        {"base_path": "/v1"},
        {"path": "/dev/v1/items", "root_path": "/dev/v1"},
    ),
    (
        "custom-domain-api-mapping-is-put-back",
        http(
            rawPath="/items", headers={"host": "api.example.com"}, rc_domainName="api.example.com"
        ),
        {"base_path": "/v1"},
        {"path": "/v1/items", "root_path": "/v1", "raw_path": b"/v1/items"},
    ),
    (
        "execute-api-domain-has-no-api-mapping",
        http(rawPath="/items"),
        {"base_path": "/v1"},
        {"path": "/items", "root_path": ""},
    ),
    (
        "base-path-per-segment",
        http(rawPath="/apiary"),
        {"base_path": "/api"},
        {"root_path": "", "path": "/apiary"},
    ),
    (
        "rawQueryString-verbatim",
        http(rawQueryString="a=1&a=2&b=%2F%20x&c"),
        {},
        {"query": b"a=1&a=2&b=%2F%20x&c"},
    ),
    (
        "cookies-array-becomes-one-cookie-header",
        http(cookies=["a=1", "b=2"]),
        {},
        {"body": b""},
    ),
    (
        "client-from-http.sourceIp",
        http(headers={"host": "h", "x-forwarded-for": "6.6.6.6"}),
        {},
        {"client": ("203.0.113.9", 0)},
    ),
    (
        "scheme-is-always-https",
        http(headers={"host": "h", "x-forwarded-proto": "http"}),
        {},
        {"scheme": "https", "server": ("h", 443)},
    ),
    (
        "null-headers-and-body",
        http(headers=None, body=None),
        {},
        {"server": ("abc123.execute-api.eu-west-1.amazonaws.com", 443), "body": b""},
    ),
    (
        "base64-body",
        http(body="/w==", isBase64Encoded=True),
        {},
        {"body": b"\xff"},
    ),
    (
        "function-url-no-stage",
        url(rawPath="/dev/items", rc_stage="dev"),
        {},
        {"path": "/dev/items", "root_path": ""},
    ),
]


@pytest.mark.parametrize(
    ("event", "options", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_request_mapping(
    event: dict[str, Any], options: dict[str, Any], expected: dict[str, Any]
) -> None:
    seen = through_both(event, **options)
    for field, value in expected.items():
        assert getattr(seen, field) == value, field


def test_cookies_array_joined_and_cookie_header_not_duplicated() -> None:
    event = http(cookies=["a=1", "b=2"])
    event["headers"]["cookie"] = "a=1; b=2"
    seen = through_both(event)
    assert seen.header(b"cookie") == [b"a=1; b=2"]


def test_comma_joined_headers_pass_through() -> None:
    event = http(headers={"host": "h", "accept": "text/html,application/json"})
    seen = through_both(event)
    assert seen.header(b"accept") == [b"text/html,application/json"]


def test_function_url_is_told_from_http_api() -> None:
    adapter = Adapter(WsgiRecorder())
    assert adapter.source_for(url()).name == "function-url"
    assert adapter.source_for(http()).name == "apigw-http"


@pytest.mark.parametrize("make", [http, url], ids=["apigw-http", "function-url"])
def test_every_set_cookie_goes_to_cookies_and_repeats_join(make: Any) -> None:
    app = WsgiRecorder(
        headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Set-Cookie", "a=1"),
            ("set-cookie", "b=2; HttpOnly"),
            ("Link", "</a>; rel=preload"),
            ("Link", "</b>; rel=preload"),
        ],
        body="héllo".encode(),
    )
    result = Adapter(app)(make(), Context())
    assert result == {
        "statusCode": 200,
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Link": "</a>; rel=preload, </b>; rel=preload",
        },
        "cookies": ["a=1", "b=2; HttpOnly"],
        "body": "héllo",
        "isBase64Encoded": False,
    }


def test_status_code_is_always_set_and_204_gets_no_invented_type() -> None:
    result = Adapter(WsgiRecorder(status="204 No Content", headers=[], body=b""))(http(), Context())
    assert result == {"statusCode": 204, "headers": {}, "body": "", "isBase64Encoded": False}


@pytest.mark.parametrize(
    ("raw_path", "message"),
    [(5, "rawPath must be a string, not int"), (None, "rawPath is missing")],
    ids=["number", "missing"],
)
def test_raw_path_of_the_wrong_type_says_so(raw_path: Any, message: str) -> None:
    from hatchway import InvalidEvent

    event = http(rawPath=raw_path)
    del event["requestContext"]["http"]["path"]
    with pytest.raises(InvalidEvent, match=message):
        Adapter(WsgiRecorder())(event, Context())


@pytest.mark.parametrize(
    ("domain", "stage_is_mounted"),
    [
        ("abc123.execute-api.eu-west-1.amazonaws.com", True),
        ("abc123-vpce-0123.execute-api.eu-west-1.amazonaws.com", True),
        ("abc123.execute-api.cn-north-1.amazonaws.com.cn", True),
        ("api.example.com", False),
        ("execute-api.example.com", False),
        ("abc.execute-api.example.com", False),
    ],
)
def test_named_stage_is_mounted_on_execute_api_domains_only(
    domain: str, stage_is_mounted: bool
) -> None:
    event = http(rawPath="/dev/items", rc_stage="dev", rc_domainName=domain)
    event["headers"]["host"] = domain
    seen = through_both(event)
    assert seen.path == "/dev/items"
    assert seen.root_path == ("/dev" if stage_is_mounted else "")
