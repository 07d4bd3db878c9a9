"""The gateway direction, response side: how each service turns the function's
result into the HTTP response the client receives."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from hatchway.testing import MalformedResponse, client_request, read_response

PNG = b"\x89PNG\r\n\x1a\n\x00"
PNG64 = base64.b64encode(PNG).decode()


def accepting(media: str) -> Any:
    return client_request("GET", "/", headers={"Accept": media})


# (id, source, result, read_response keywords, status, headers, body)
ROWS = [
    pytest.param(
        "apigw-rest",
        {
            "statusCode": 200,
            "headers": {"A": "1", "B": "x"},
            "multiValueHeaders": {"B": ["2", "3"]},
            "body": "hi",
        },
        {},
        200,
        [("A", "1"), ("B", "2"), ("B", "3")],
        b"hi",
        id="rest-multi-value-headers-win-over-single",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}},
        {},
        200,
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        b"",
        id="rest-every-set-cookie",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "body": PNG64, "isBase64Encoded": True},
        {"binary_media_types": ["image/png"], "request": accepting("image/png")},
        200,
        [],
        PNG,
        id="rest-base64-decoded-when-accept-matches",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "body": PNG64, "isBase64Encoded": True},
        {"binary_media_types": ["image/png"], "request": accepting("text/html,image/png")},
        200,
        [],
        PNG64.encode(),
        id="rest-only-the-first-accept-type-counts",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "body": PNG64, "isBase64Encoded": True},
        {"binary_media_types": [], "request": accepting("image/png")},
        200,
        [],
        PNG64.encode(),
        id="rest-no-binary-media-types-delivers-base64-text",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "body": PNG64, "isBase64Encoded": True},
        {"binary_media_types": ["*/*"]},
        200,
        [],
        PNG,
        id="rest-star-star-always-decodes",
    ),
    pytest.param(
        "apigw-http",
        {
            "statusCode": 201,
            "headers": {"vary": "Accept, Origin"},
            "cookies": ["a=1", "b=2"],
            "body": "x",
        },
        {},
        201,
        [("vary", "Accept, Origin"), ("set-cookie", "a=1"), ("set-cookie", "b=2")],
        b"x",
        id="http-each-cookie-becomes-set-cookie",
    ),
    pytest.param(
        "apigw-http",
        {"statusCode": 200, "body": PNG64, "isBase64Encoded": True},
        {},
        200,
        [],
        PNG,
        id="http-base64-always-decoded",
    ),
    pytest.param(
        "apigw-http",
        {"message": "hi"},
        {},
        200,
        [("content-type", "application/json")],
        b'{"message":"hi"}',
        id="http-no-status-code-guessed-as-json",
    ),
    pytest.param(
        "function-url",
        "plain words",
        {},
        200,
        [("content-type", "application/json")],
        b"plain words",
        id="url-string-result-is-the-body",
    ),
    pytest.param(
        "alb",
        {
            "statusCode": 302,
            "statusDescription": "302 Found",
            "headers": {"Set-Cookie": "a=1", "set-cookie": "b=2", "location": "/x"},
        },
        {},
        302,
        [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("location", "/x")],
        b"",
        id="alb-single-cookies-by-letter-case",
    ),
    pytest.param(
        "alb",
        {
            "statusCode": 200,
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": PNG64,
            "isBase64Encoded": True,
        },
        {"multi_value": True},
        200,
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        PNG,
        id="alb-multi-value",
    ),
    pytest.param(
        "alb",
        {"statusCode": 200, "headers": {"x-n": 5}},
        {},
        200,
        [("x-n", "5")],
        b"",
        id="alb-number-header-value",
    ),
]


@pytest.mark.parametrize(("source", "result", "kwargs", "status", "headers", "body"), ROWS)
def test_read_response_does_what_the_gateway_does(
    source: str,
    result: Any,
    kwargs: dict[str, Any],
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    response = read_response(source, result, **kwargs)
    assert (response.status, response.headers, response.body) == (status, headers, body)


MALFORMED = [
    pytest.param(
        "apigw-rest", ["not", "a", "dict"], {}, "expected a JSON object", id="rest-not-an-object"
    ),
    pytest.param("apigw-rest", {"body": "x"}, {}, "statusCode is None", id="rest-no-status"),
    pytest.param(
        "apigw-rest", {"statusCode": 700}, {}, "statusCode is 700", id="rest-status-out-of-range"
    ),
    pytest.param(
        "apigw-rest", {"statusCode": True}, {}, "statusCode is True", id="rest-status-bool"
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "headers": ["a"]},
        {},
        "headers is not an object",
        id="rest-headers-list",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "headers": {"a": {"b": 1}}},
        {},
        "header 'a'",
        id="rest-header-object",
    ),
    pytest.param(
        "apigw-rest",
        {"statusCode": 200, "body": 5},
        {},
        "body must be a string",
        id="rest-body-number",
    ),
    pytest.param(
        "apigw-http",
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
        {},
        "does not decode",
        id="http-bad-base64",
    ),
    pytest.param(
        "apigw-http",
        {"statusCode": 200, "cookies": [1]},
        {},
        "cookies must be a list",
        id="http-cookie-number",
    ),
    pytest.param(
        "alb",
        {"statusCode": 200, "headers": {"a": "1"}},
        {"multi_value": True},
        "multi-value mode",
        id="alb-multi-gets-single",
    ),
    pytest.param(
        "alb",
        {"statusCode": 200, "multiValueHeaders": {"a": ["1"]}},
        {},
        "single-value mode",
        id="alb-single-gets-multi",
    ),
    pytest.param(
        "alb",
        {"statusCode": 200, "headers": {"a": ["1"]}},
        {},
        "must be a string",
        id="alb-single-list-value",
    ),
]


@pytest.mark.parametrize(("source", "result", "kwargs", "message"), MALFORMED)
def test_malformed_results_are_the_gateways_502(
    source: str, result: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(MalformedResponse, match=message) as caught:
        read_response(source, result, **kwargs)
    assert caught.value.status == 502
    assert caught.value.response().status == 502
