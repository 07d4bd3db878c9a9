"""Application Load Balancer, single- and multi-value: one row per mapping rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.sources.responses import case_variants, status_line
from helpers import Context, WsgiRecorder
from helpers.mapping import through_both

SINGLE: dict[str, Any] = {
    "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:tg/x"}},
    "httpMethod": "GET",
    "path": "/items",
    "queryStringParameters": {},
    "headers": {
        "host": "my-alb-123.eu-west-1.elb.amazonaws.com",
        "x-forwarded-for": "198.51.100.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    },
    "body": "",
    "isBase64Encoded": False,
}


def single(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(SINGLE)
    event.update(changes)
    return event


def multi(**changes: Any) -> dict[str, Any]:
    event = single()
    del event["headers"], event["queryStringParameters"]
    event["multiValueHeaders"] = {k: [v] for k, v in SINGLE["headers"].items()}
    event["multiValueQueryStringParameters"] = {}
    event.update(changes)
    return event


ROWS = [
    (
        "path-is-encoded",
        single(path="/caf%C3%A9/a%2Fb"),
        {"path": "/café/a/b", "raw_path": b"/caf%C3%A9/a%2Fb"},
    ),
    (
        "query-values-joined-never-re-encoded",
        single(queryStringParameters={"myKey": "%3FshowAll%3Dtrue", "q": "a+b"}),
        {"query": b"myKey=%3FshowAll%3Dtrue&q=a+b"},
    ),
    (
        "multi-value-query-keeps-repeats",
        multi(multiValueQueryStringParameters={"k": ["1", "%2F"], "j": ["x"]}),
        {"query": b"k=1&k=%2F&j=x"},
    ),
    (
        "raw-space-in-query-is-escaped",
        single(queryStringParameters={"q": "a b"}),
        {"query": b"q=a%20b"},
    ),
    (
        "client-is-the-last-x-forwarded-for-entry",
        single(headers={"host": "h", "x-forwarded-for": "6.6.6.6, 198.51.100.7"}),
        {"client": ("198.51.100.7", 0)},
    ),
    (
        "client-last-entry-across-repeated-headers",
        multi(
            multiValueHeaders={
                "host": ["h"],
                "x-forwarded-for": ["6.6.6.6", "7.7.7.7, 198.51.100.7"],
            }
        ),
        {"client": ("198.51.100.7", 0)},
    ),
    (
        "scheme-and-port-from-forwarded-headers",
        single(headers={"host": "h", "x-forwarded-proto": "http", "x-forwarded-port": "80"}),
        {"scheme": "http", "server": ("h", 80)},
    ),
    (
        "health-check-without-headers",
        single(headers=None, queryStringParameters=None, body=None),
        {"server": ("localhost", 443), "scheme": "https", "client": None, "query": b""},
    ),
    (
        "multi-value-cookies-merge",
        multi(multiValueHeaders={"host": ["h"], "cookie": ["a=1", "b=2"]}),
        {"body": b""},
    ),
]


@pytest.mark.parametrize(("event", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_request_mapping(event: dict[str, Any], expected: dict[str, Any]) -> None:
    seen = through_both(event)
    for field, value in expected.items():
        assert getattr(seen, field) == value, field


def test_base_path_is_root_path() -> None:
    seen = through_both(single(path="/v1/items"), base_path="/v1")
    assert (seen.root_path, seen.path) == ("/v1", "/v1/items")
    assert seen.environ["PATH_INFO"] == "/items"


COOKIES = [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
COOKIES += [("Set-Cookie", "c=3"), ("Vary", "Accept"), ("Vary", "Origin")]


def test_single_value_response_keeps_cookies_by_letter_case() -> None:
    result = Adapter(WsgiRecorder(headers=COOKIES))(single(), Context())
    assert result == {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "headers": {
            "Content-Type": "text/plain",
            "Set-Cookie": "a=1",
            "set-cookie": "b=2",
            "Set-cookie": "c=3",
            "Vary": "Accept, Origin",
        },
        "body": "ok",
        "isBase64Encoded": False,
    }
    assert "multiValueHeaders" not in result


def test_multi_value_response_when_request_was_multi_value() -> None:
    result = Adapter(WsgiRecorder(headers=COOKIES))(multi(), Context())
    assert result["multiValueHeaders"] == {
        "Content-Type": ["text/plain"],
        "Set-Cookie": ["a=1", "b=2", "c=3"],
        "Vary": ["Accept", "Origin"],
    }
    assert "headers" not in result


def test_case_variants_are_distinct_and_equal_ignoring_case() -> None:
    variants = case_variants("Set-Cookie", 50)
    assert len(set(variants)) == 50
    assert {v.lower() for v in variants} == {"set-cookie"}
    assert variants[0] == "Set-Cookie"


@pytest.mark.parametrize(
    ("status", "line"),
    [(200, "200 OK"), (404, "404 Not Found"), (418, "418 I'm a Teapot"), (599, "599 Unknown")],
)
def test_status_description(status: int, line: str) -> None:
    assert status_line(status) == line
