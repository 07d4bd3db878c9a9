"""Lesser attacks on the sources: header-name aliasing,
lone surrogates, Function URL detection, too many cookies for a single-value
header map. Each test replays the attack and checks it is refused cleanly."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from hatchway import Adapter, InvalidEvent
from helpers import AsgiRecorder, Context, WsgiRecorder
from helpers.mapping import through_both

V2: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/items",
    "rawQueryString": "",
    "headers": {"host": "abc.execute-api.eu-west-1.amazonaws.com"},
    "requestContext": {
        "domainName": "abc.execute-api.eu-west-1.amazonaws.com",
        "http": {"method": "GET", "path": "/items", "sourceIp": "203.0.113.9"},
        "stage": "$default",
    },
}
REST: dict[str, Any] = {
    "resource": "/{proxy+}",
    "path": "/items",
    "httpMethod": "GET",
    "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
    "multiValueHeaders": {"Host": ["abc.execute-api.eu-west-1.amazonaws.com"]},
    "requestContext": {"stage": "prod", "path": "/prod/items"},
}
ALB: dict[str, Any] = {
    "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:x"}},
    "httpMethod": "GET",
    "path": "/",
    "headers": {"host": "alb.example"},
}


def v2(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(V2)
    event.update(changes)
    return event


# --- Unicode header-name aliasing -------------------------------------------


@pytest.mark.parametrize(
    ("name", "would_become"),
    [
        ("Coo\u212aie", "cookie"),  # KELVIN SIGN lower-cases to "k"
        ("Ho\u017ft", "HTTP_HOST"),  # LATIN SMALL LETTER LONG S upper-cases to "S"
        ("X-Stra\u00dfe", "HTTP_X_STRASSE"),  # "ß" upper-cases to "SS"
        ("X-A\nB", "x-a\nb"),
        ("X A", "x a"),
        ("", ""),
    ],
    ids=["kelvin-cookie", "long-s-host", "eszett", "newline", "space", "empty"],
)
def test_header_name_aliasing_is_dropped_and_logged(
    name: str, would_become: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"host": "real.example", "cookie": "session=real", name: "forged"}
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        seen = through_both(v2(headers=headers))
    assert seen.header(b"cookie") == [b"session=real"]
    assert seen.server[0] == "real.example"
    assert seen.environ["HTTP_HOST"] == "real.example"
    assert [v for _, v in seen.headers if v == b"forged"] == []
    assert not any("forged" in str(v) for k, v in seen.environ.items() if k.startswith("HTTP_"))
    assert "not an RFC 9110 token" in caplog.text


def test_token_names_with_every_allowed_character_are_kept() -> None:
    name = "X!#$%&'*+-.^_`|~09az"
    seen = through_both(v2(headers={"host": "h", name: "v"}))
    assert seen.header(name.lower().encode()) == [b"v"]


def test_header_name_aliasing_in_rest_multi_value_map() -> None:
    event = copy.deepcopy(REST)
    event["multiValueHeaders"]["Coo\u212aie"] = ["admin=1"]
    event["headers"]["Coo\u212aie"] = "admin=1"
    seen = through_both(event)
    assert seen.header(b"cookie") == []


# --- Lone surrogates --------------------------------------------------------

LONE = "\ud800"


@pytest.mark.parametrize(
    "event",
    [
        v2(headers={"host": "h", "x-a": "a" + LONE}),
        v2(rawQueryString="a=" + LONE),
        v2(cookies=["a=" + LONE]),
        v2(body=LONE),
        {**copy.deepcopy(REST), "queryStringParameters": {"a": LONE}},
        {**copy.deepcopy(REST), "multiValueQueryStringParameters": {LONE: ["1"]}},
        {**copy.deepcopy(ALB), "queryStringParameters": {"a": "x " + LONE}},
        {**copy.deepcopy(ALB), "headers": {"host": "h", "cookie": LONE}},
    ],
    ids=[
        "v2-header",
        "v2-query",
        "v2-cookies",
        "v2-body",
        "rest-query",
        "rest-query-key",
        "alb-query",
        "alb-cookie",
    ],
)
@pytest.mark.parametrize("interface", ["asgi", "wsgi"])
def test_lone_surrogate_is_a_logged_400(
    event: dict[str, Any], interface: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = AsgiRecorder() if interface == "asgi" else WsgiRecorder()
    handler = Adapter(app, lifespan="off") if interface == "asgi" else Adapter(app)
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        result = handler(event, Context())
    assert result["statusCode"] == 400
    assert "lone surrogate" in caplog.text
    # The next invocation is unharmed.
    assert handler(v2(), Context())["statusCode"] == 200


@pytest.mark.parametrize(
    "event",
    [v2(rawPath="/a" + LONE), {**copy.deepcopy(REST), "path": "/a" + LONE}],
    ids=["v2-path", "rest-path"],
)
def test_lone_surrogate_in_path_is_an_invalid_event(event: dict[str, Any]) -> None:
    with pytest.raises(InvalidEvent, match="lone surrogate"):
        Adapter(WsgiRecorder())(event, Context())


# --- Function URL detection -------------------------------------------------


def test_http_api_custom_domain_containing_lambda_url_is_not_a_function_url() -> None:
    # An HTTP API behind a custom domain that happens to contain ".lambda-url.":
    # its rawPath is already decoded, so "%2e%2e" is literal text; read as a
    # Function URL it would be decoded a second time into "..".
    domain = "api.lambda-url.example.com"
    event = v2(
        rawPath="/files/%2e%2e/admin",
        headers={"host": domain},
        requestContext={**V2["requestContext"], "domainName": domain},
    )
    assert Adapter(WsgiRecorder()).source_for(event).name == "apigw-http"
    seen = through_both(event)
    assert seen.path == "/files/%2e%2e/admin"


def test_real_function_url_domain_is_still_a_function_url() -> None:
    domain = "abcdefghij.lambda-url.eu-west-1.on.aws"
    event = v2(requestContext={**V2["requestContext"], "domainName": domain})
    assert Adapter(WsgiRecorder()).source_for(event).name == "function-url"


# --- Too many Set-Cookie for one string per header name -----------------------


def cookie_app(count: int) -> WsgiRecorder:
    return WsgiRecorder(headers=[("Set-Cookie", f"c{i}=1") for i in range(count)], body=b"")


LATTICE: dict[str, Any] = {
    "version": "2.0",
    "path": "/",
    "method": "GET",
    "headers": {"host": ["svc"]},
    "requestContext": {"serviceArn": "arn:aws:vpc-lattice:x"},
}


@pytest.mark.parametrize("event", [ALB, LATTICE], ids=["alb-single-value", "vpc-lattice"])
def test_over_512_set_cookie_is_a_logged_500(
    event: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    handler = Adapter(cookie_app(513))
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        result = handler(copy.deepcopy(event), Context())
    assert result["statusCode"] == 500
    assert "513 cookies" in caplog.text
    # 512 still fit, each under its own letter-case spelling.
    result = Adapter(cookie_app(512))(copy.deepcopy(event), Context())
    assert result["statusCode"] == 200
    assert len({name.lower() for name in result["headers"]}) == 1
    assert len(result["headers"]) == 512


def test_alb_multi_value_carries_every_set_cookie() -> None:
    event = {**copy.deepcopy(ALB), "multiValueHeaders": {"host": ["alb.example"]}}
    result = Adapter(cookie_app(600))(event, Context())
    assert result["statusCode"] == 200
    assert len(result["multiValueHeaders"]["Set-Cookie"]) == 600
