"""API Gateway REST (payload 1.0) and HTTP API payload 1.0: one row per mapping rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hatchway import Adapter, InvalidEvent
from helpers import Context, WsgiRecorder
from helpers.mapping import through_both

BASE: dict[str, Any] = {
    "resource": "/{proxy+}",
    "path": "/items",
    "httpMethod": "GET",
    "headers": {
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "198.51.100.1, 130.176.0.1",
    },
    "multiValueHeaders": None,
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "requestContext": {
        "stage": "prod",
        "path": "/prod/items",
        "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
        "identity": {"sourceIp": "203.0.113.9"},
    },
    "body": None,
    "isBase64Encoded": False,
}


def rest(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key.startswith("rc_"):
            event["requestContext"][key[3:]] = value
        else:
            event[key] = value
    return event


# (id, event, adapter options, expected: field -> value)
ROWS = [
    (
        "stage-from-requestContext.path-becomes-root_path",
        rest(),
        {},
        {"path": "/prod/items", "root_path": "/prod", "raw_path": b"/prod/items"},
    ),
    (
        "strip_stage-keeps-the-old-behaviour",
        rest(),
        {"strip_stage": True},
        {"path": "/items", "root_path": "", "raw_path": b"/items"},
    ),
    (
        "api-root-without-trailing-slash",
        rest(path="/", rc_path="/prod"),
        {},
        {"path": "/prod/", "root_path": "/prod"},
    ),
    (
        "path-is-percent-encoded-decoded-once",
        rest(path="/caf%C3%A9/a%2Fb/100%25", rc_path="/prod/caf%C3%A9/a%2Fb/100%25"),
        {},
        {
            "path": "/prod/café/a/b/100%",
            "raw_path": b"/prod/caf%C3%A9/a%2Fb/100%25",
            "root_path": "/prod",
        },
    ),
    (
        # A mount point with escapes (a custom domain's base path, say) is
        # decoded like the path it must prefix.
        "percent-encoded-mount-point-is-decoded-as-root_path",
        rest(path="/", rc_path="/a%20b/%C3%A9"),
        {},
        {"path": "/a b/é/", "root_path": "/a b/é", "raw_path": b"/a%20b/%C3%A9/"},
    ),
    (
        "encoded-slash-in-mount-point",
        rest(path="/items", rc_path="/v%2F1/items"),
        {"base_path": "/v/1"},
        {"path": "/v/1/items", "root_path": "/v/1", "raw_path": b"/v%2F1/items"},
    ),
    (
        "no-stage-when-requestContext.path-equals-path",
        rest(rc_path="/items"),
        {},
        {"path": "/items", "root_path": ""},
    ),
    (
        "custom-domain-base-path-as-root_path",
        rest(path="/v1/items", rc_path="/v1/items"),
        {"base_path": "/v1"},
        {"path": "/v1/items", "root_path": "/v1"},
    ),
    (
        "base-path-matches-whole-segments-only",
        rest(path="/v1beta/items", rc_path="/v1beta/items"),
        {"base_path": "/v1"},
        {"path": "/v1beta/items", "root_path": ""},
    ),
    (
        "base-path-given-with-trailing-slash",
        rest(path="/v1", rc_path="/v1"),
        {"base_path": "v1/"},
        {"path": "/v1", "root_path": "/v1"},
    ),
    (
        "multi-value-query-values-are-re-encoded",
        rest(
            queryStringParameters={"q": "c&d"},
            multiValueQueryStringParameters={"q": ["a b", "c&d"], "x": ["é"], "e": [""]},
        ),
        {},
        {"query": b"q=a%20b&q=c%26d&x=%C3%A9&e="},
    ),
    (
        "single-value-query-when-no-multi-value",
        rest(queryStringParameters={"a": "1/2", "b": "="}),
        {},
        {"query": b"a=1%2F2&b=%3D"},
    ),
    (
        "client-is-identity.sourceIp-never-x-forwarded-for",
        rest(),
        {},
        {"client": ("203.0.113.9", 0)},
    ),
    (
        "server-from-host-and-forwarded-port",
        rest(),
        {},
        {"server": ("abc123.execute-api.eu-west-1.amazonaws.com", 443), "scheme": "https"},
    ),
    (
        "host-with-port-and-http-scheme",
        rest(headers={"Host": "localhost:3000", "X-Forwarded-Proto": "http"}),
        {},
        {"server": ("localhost", 3000), "scheme": "http"},
    ),
    (
        "non-ascii-digit-ports-are-ignored",
        rest(headers={"Host": "h:\u00b2", "X-Forwarded-Port": "\u00b3"}),
        {},
        {"server": ("h:\u00b2", 443)},
    ),
    (
        "out-of-range-forwarded-port-is-ignored",
        rest(headers={"Host": "h", "X-Forwarded-Port": "99999"}),
        {},
        {"server": ("h", 443)},
    ),
    (
        "ipv6-host",
        rest(headers={"Host": "[::1]:8080"}),
        {},
        {"server": ("[::1]", 8080), "scheme": "https"},
    ),
    (
        "no-host-falls-back-to-domainName",
        rest(headers=None),
        {},
        {"server": ("abc123.execute-api.eu-west-1.amazonaws.com", 443)},
    ),
    (
        "no-host-no-domain-never-empty",
        rest(headers=None, requestContext=None),
        {},
        {"server": ("localhost", 443), "scheme": "https", "client": None, "root_path": ""},
    ),
    (
        "null-identity-and-authorizer",
        rest(rc_identity=None, rc_authorizer=None),
        {},
        {"client": None, "path": "/prod/items"},
    ),
    (
        "text-body",
        rest(httpMethod="POST", body='{"a": "é"}'),
        {},
        {"body": '{"a": "é"}'.encode(), "method": "POST"},
    ),
    (
        "base64-body",
        rest(httpMethod="PUT", body="AAEC/w==", isBase64Encoded=True),
        {},
        {"body": b"\x00\x01\x02\xff"},
    ),
    (
        "http-api-payload-1.0-path-is-already-decoded",
        rest(version="1.0", path="/100%/a b", rc_path="/100%/a b", rc_stage="$default"),
        {},
        {"path": "/100%/a b", "raw_path": b"/100%25/a%20b", "root_path": ""},
    ),
    (
        "http-api-payload-1.0-named-stage-in-path",
        rest(version="1.0", path="/dev/items", rc_path="/dev/items", rc_stage="dev"),
        {},
        {"path": "/dev/items", "root_path": "/dev"},
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


def test_multi_value_headers_win_and_keep_repeats() -> None:
    event = rest(
        headers={"Accept": "text/html", "X-Trace": "second"},
        multiValueHeaders={
            "Accept": ["text/html"],
            "X-Trace": ["first", "second"],
            "Cookie": ["a=1", "b=2"],
            "Host": ["example.com"],
        },
    )
    seen = through_both(event)
    assert seen.header(b"x-trace") == [b"first", b"second"]
    assert seen.header(b"cookie") == [b"a=1; b=2"]
    assert seen.environ["HTTP_X_TRACE"] == "first,second"
    assert seen.environ["HTTP_ACCEPT"] == "text/html"
    assert all(name == name.lower() for name, _ in seen.headers)


def test_underscore_header_names_never_reach_wsgi() -> None:
    # X_Forwarded_For would become HTTP_X_FORWARDED_FOR and shadow the real header.
    event = rest(headers={"Host": "h", "X_Forwarded_For": "6.6.6.6", "X-Real": "1"})
    seen = through_both(event)
    assert "HTTP_X_FORWARDED_FOR" not in seen.environ
    assert seen.environ["HTTP_X_REAL"] == "1"


def test_invalid_base64_body_is_400(caplog: pytest.LogCaptureFixture) -> None:
    app = WsgiRecorder()
    event = rest(body="Hello from Lambda!", isBase64Encoded=True)
    result = Adapter(app)(event, Context())
    assert result["statusCode"] == 400
    assert app.environs == []
    assert "base64" in caplog.text
    assert Adapter(app)(rest(), Context())["statusCode"] == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("httpMethod", None, "httpMethod is missing"),
        ("httpMethod", "GET /x", "not an HTTP method"),
        ("path", None, "path is missing"),
        ("path", 42, "path must be a string, not int"),
        ("path", "items", "must start with '/'"),
        ("body", {"a": 1}, "body must be a string"),
    ],
)
def test_malformed_events_raise_invalid_event(field: str, value: Any, message: str) -> None:
    event = rest(**{field: value})
    with pytest.raises(InvalidEvent, match=message) as info:
        Adapter(WsgiRecorder())(event, Context())
    assert info.value.field == field


def test_response_repeats_go_to_multi_value_headers() -> None:
    app = WsgiRecorder(
        headers=[
            ("Content-Type", "application/json"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/"),
            ("Vary", "Accept"),
            ("Vary", "Origin"),
        ],
        body=b'{"ok": true}',
    )
    result = Adapter(app)(rest(), Context())
    assert result == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {
            "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"],
            "Vary": ["Accept", "Origin"],
        },
        "body": '{"ok": true}',
        "isBase64Encoded": False,
    }


def test_rest_event_without_http_method_is_an_invalid_event() -> None:
    event = rest()
    del event["httpMethod"]
    with pytest.raises(InvalidEvent, match="httpMethod is missing") as info:
        Adapter(WsgiRecorder())(event, Context())
    assert info.value.field == "httpMethod"
