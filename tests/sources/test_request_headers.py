"""Request headers, query strings and cookies as the sources read them from
an event's maps: the multi-value map wins per name,
names only in the single-value map are kept, an empty ``cookies`` list says
nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.sources.headers import collect_headers
from helpers import SAMPLES, Context, WsgiRecorder, load
from helpers.mapping import through_both

REST: dict[str, Any] = {
    "resource": "/{proxy+}",
    "path": "/items",
    "httpMethod": "GET",
    "requestContext": {
        "stage": "prod",
        "path": "/prod/items",
        "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
        "identity": {"sourceIp": "203.0.113.9"},
    },
}
ALB: dict[str, Any] = {
    "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:x"}},
    "httpMethod": "GET",
    "path": "/items",
}
# Both maps, disagreeing as hand-made events do: X-A has more values in the
# multi-value map, Host is spelled in another case, Origin is only single-valued.
DISAGREEING = {
    "headers": {"host": "single.example", "X-A": "2", "Origin": "https://o.example"},
    "multiValueHeaders": {"Host": ["multi.example"], "x-a": ["1", "2"]},
    "queryStringParameters": {"a": "2", "only": "single", "B": "x"},
    "multiValueQueryStringParameters": {"a": ["1", "2"], "b": ["y"]},
}


@pytest.mark.parametrize("base", [REST, ALB], ids=["apigw-rest", "alb"])
def test_disagreeing_maps_merge_multi_value_first(base: dict[str, Any]) -> None:
    event = {**copy.deepcopy(base), **copy.deepcopy(DISAGREEING)}
    seen = through_both(event)
    assert seen.header(b"host") == [b"multi.example"]
    assert seen.header(b"x-a") == [b"1", b"2"]
    assert seen.header(b"origin") == [b"https://o.example"]
    assert seen.environ["HTTP_ORIGIN"] == "https://o.example"
    # Query keys are case-sensitive: "B" is not "b".
    assert seen.query == b"a=1&a=2&b=y&only=single&B=x"


@pytest.mark.parametrize("base", [REST, ALB], ids=["apigw-rest", "alb"])
def test_single_value_map_alone_still_works(base: dict[str, Any]) -> None:
    event = {
        **copy.deepcopy(base),
        "headers": {"Host": "h", "X-A": "1"},
        "multiValueHeaders": None,
        "queryStringParameters": {"q": "1"},
    }
    seen = through_both(event)
    assert seen.header(b"x-a") == [b"1"]
    assert seen.query == b"q=1"


def test_powertools_sample_origin_reaches_asgi_and_wsgi() -> None:
    path = SAMPLES / "apigw-rest" / "powertools-lambda-python__apiGatewayProxyOtherEvent.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    seen = through_both(load(path))
    assert seen.header(b"origin") == [b"https://aws.amazon.com"]
    assert seen.environ["HTTP_ORIGIN"] == "https://aws.amazon.com"
    assert seen.header(b"header2") == [b"value1", b"value2"]
    assert seen.query == b"parameter1=value1&parameter1=value2&parameter2=value"


# A map of lower-case token names and ASCII strings goes in unchanged, in one
# step; each case here differs from that in one way and must come out as the
# per-header rules make it.
@pytest.mark.parametrize(
    ("header_map", "expected"),
    [
        ({"host": "h", "x-a": "1"}, [("host", "h"), ("x-a", "1")]),
        ({"host": "h", "X-A": "1"}, [("host", "h"), ("x-a", "1")]),
        ({"host": "h", "x a": "1"}, [("host", "h")]),
        ({"host": "h", "": "1"}, [("host", "h")]),
        ({"host": "h", "x-\u212a": "1"}, [("host", "h")]),
        ({"host": "h", "x-a": "caf\u00e9"}, [("host", "h"), ("x-a", "caf\u00e9")]),
        ({"host": "h", "x-a": "\u20ac"}, [("host", "h"), ("x-a", "\u00e2\u0082\u00ac")]),
        ({"host": "h", "x-a": ["1", "2"]}, [("host", "h"), ("x-a", "1"), ("x-a", "2")]),
        ({"host": "h", "x-a": 7}, [("host", "h"), ("x-a", "7")]),
        ({"host": "h", "x-a": None}, [("host", "h")]),
        ({"host": "h", "cookie": "a=1"}, [("host", "h"), ("cookie", "a=1")]),
    ],
    ids=[
        "plain",
        "upper-case name",
        "non-token name",
        "empty name",
        "kelvin sign",
        "latin-1 value",
        "value beyond latin-1",
        "list value",
        "number value",
        "null value",
        "cookie header",
    ],
)
def test_single_map_headers_follow_the_per_header_rules(
    header_map: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    headers, last = collect_headers(header_map)
    assert headers == expected
    assert last == dict(expected)


def test_empty_cookies_list_keeps_the_cookie_header() -> None:
    headers, _ = collect_headers({"host": "h", "cookie": "a=1; b=2"}, None, [])
    assert headers == [("host", "h"), ("cookie", "a=1; b=2")]


def test_cookies_list_wins_over_the_cookie_header() -> None:
    headers, _ = collect_headers({"cookie": "stale=1"}, None, ["a=1", "b=2"])
    assert headers == [("cookie", "a=1; b=2")]


def test_v2_event_with_empty_cookies_keeps_the_cookie() -> None:
    event = {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": "",
        "cookies": [],
        "headers": {"host": "h", "cookie": "session=abc"},
        "requestContext": {
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
            "http": {"method": "GET", "sourceIp": "203.0.113.9"},
            "stage": "$default",
        },
    }
    seen = through_both(event)
    assert seen.header(b"cookie") == [b"session=abc"]


def test_every_cookie_header_of_a_multi_value_map_is_joined() -> None:
    headers, last = collect_headers(None, {"Cookie": ["a=1", "b=2"], "Host": ["h"]})
    assert headers == [("host", "h"), ("cookie", "a=1; b=2")]
    assert last["host"] == "h"


@pytest.mark.parametrize("base", [REST, ALB], ids=["apigw-rest", "alb"])
def test_response_without_content_type_goes_back_as_text(base: dict[str, Any]) -> None:
    # WsgiRecorder answers the body it is given with no Content-Type.
    app = WsgiRecorder(headers=[], body=b"Hi there!")
    result = Adapter(app)(copy.deepcopy(base), Context())
    assert (result["body"], result["isBase64Encoded"]) == ("Hi there!", False)
