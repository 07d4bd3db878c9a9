"""Amazon VPC Lattice, event versions 1 and 2: one row per mapping rule and per
shape the published samples disagree on, then every real sample through
FastAPI and Flask."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from hatchway import Adapter, InvalidEvent
from hatchway.testing import MalformedResponse, build_event, read_response
from helpers import Context, WsgiRecorder, load, sample_params
from helpers.echo_apps import SET_COOKIES, assert_echoed, fastapi_echo, flask_echo
from helpers.mapping import through_both

V1: dict[str, Any] = {
    "raw_path": "/items",
    "method": "GET",
    "headers": {
        "host": "svc-1.abc.vpc-lattice-svcs.eu-west-1.on.aws",
        "x-forwarded-for": "10.0.0.7",
        "accept": "*/*",
    },
    "query_string_parameters": {},
    "body": "",
    "is_base64_encoded": False,
}
V2: dict[str, Any] = {
    "version": "2.0",
    "path": "/items",
    "method": "GET",
    "headers": {
        "host": ["svc-1.abc.vpc-lattice-svcs.eu-west-1.on.aws"],
        "x-forwarded-for": ["10.0.0.7"],
        "accept": ["*/*"],
    },
    "queryStringParameters": {},
    "body": "",
    "isBase64Encoded": False,
    "requestContext": {
        "serviceNetworkArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:servicenetwork/sn-1",
        "serviceArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:service/svc-1",
        "targetGroupArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:targetgroup/tg-1",
        "identity": {"sourceVpcArn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1"},
        "region": "eu-west-1",
        "timeEpoch": "1696331543569073",
    },
}


def v1(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(V1)
    event.update(changes)
    return event


def v2(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(V2)
    event.update(changes)
    return event


REQUEST_ROWS = [
    (
        "v1-basics",
        v1(),
        {
            "method": "GET",
            "path": "/items",
            "raw_path": b"/items",
            "query": b"",
            "client": ("10.0.0.7", 0),
            "server": ("svc-1.abc.vpc-lattice-svcs.eu-west-1.on.aws", 443),
            "scheme": "https",
        },
    ),
    (
        "v2-basics",
        v2(),
        {
            "method": "GET",
            "path": "/items",
            "client": ("10.0.0.7", 0),
            "server": ("svc-1.abc.vpc-lattice-svcs.eu-west-1.on.aws", 443),
            "scheme": "https",
        },
    ),
    (
        "v1-path-treated-as-encoded",
        v1(raw_path="/caf%C3%A9/a%2Fb"),
        {"path": "/café/a/b", "raw_path": b"/caf%C3%A9/a%2Fb"},
    ),
    (
        "v2-path-treated-as-encoded",
        v2(path="/a%20b/"),
        {"path": "/a b/", "raw_path": b"/a%20b/"},
    ),
    (
        "v1-raw-path-carrying-a-query",
        v1(raw_path="/items?x=1&y=%2F", query_string_parameters={"x": "1", "y": "/"}),
        {"path": "/items", "query": b"x=1&y=%2F"},
    ),
    (
        "v1-query-values-re-encoded",
        v1(query_string_parameters={"q": "a b&c", "id": "1"}),
        {"query": b"q=a%20b%26c&id=1"},
    ),
    (
        "v2-query-values-as-lists",
        v2(queryStringParameters={"tag": ["x", "y/z"], "p": ["1"]}),
        {"query": b"tag=x&tag=y%2Fz&p=1"},
    ),
    (
        "v2-query-values-as-strings",
        v2(queryStringParameters={"order-id": "1"}),
        {"query": b"order-id=1"},
    ),
    (
        "v2-with-snake-case-query-key",
        v2(queryStringParameters=None, query_string_parameters={"order-id": "1"}),
        {"query": b"order-id=1"},
    ),
    (
        "v2-headers-as-lists-keep-repeats",
        v2(headers={"host": ["h"], "x-multi": ["a", "b"], "Header1": ["v"]}),
        {"header:x-multi": [b"a", b"b"], "header:header1": [b"v"]},
    ),
    (
        "v2-headers-as-strings",
        v2(headers={"host": "h", "accept": "*/*"}),
        {"header:accept": [b"*/*"], "server": ("h", 443)},
    ),
    (
        "v1-comma-joined-header-kept-whole",
        v1(headers={"host": "h", "header2": "value1,value2"}),
        {"header:header2": [b"value1,value2"]},
    ),
    (
        "cookie-header",
        v2(headers={"host": ["h"], "cookie": ["a=1", "b=2"]}),
        {"header:cookie": [b"a=1; b=2"]},
    ),
    (
        "client-is-the-last-x-forwarded-for-entry",
        v1(headers={"host": "h", "x-forwarded-for": "6.6.6.6, 10.0.0.9"}),
        {"client": ("10.0.0.9", 0)},
    ),
    (
        "scheme-from-x-forwarded-for-proto",
        v2(headers={"host": ["h"], "x-forwarded-for-proto": ["http"]}),
        {"scheme": "http", "server": ("h", 80)},
    ),
    (
        "no-headers-at-all",
        v2(headers=None),
        {"headers": [], "client": None, "server": ("localhost", 443)},
    ),
    (
        "v1-base64-body",
        v1(method="POST", body=base64.b64encode(b"\x00\x01").decode(), is_base64_encoded=True),
        {"method": "POST", "body": b"\x00\x01"},
    ),
    (
        "v2-text-body",
        v2(method="PUT", body='{"é": 1}'),
        {"body": '{"é": 1}'.encode()},
    ),
    (
        "null-query-and-body",
        v1(query_string_parameters=None, body=None),
        {"query": b"", "body": b""},
    ),
]


@pytest.mark.parametrize(("event", "want"), [pytest.param(e, w, id=i) for i, e, w in REQUEST_ROWS])
def test_request_mapping(event: dict[str, Any], want: dict[str, Any]) -> None:
    seen = through_both(event)
    for key, value in want.items():
        if key.startswith("header:"):
            assert seen.header(key[7:].encode()) == value
        elif key == "body":
            assert seen.body == value
        else:
            assert getattr(seen, key) == value, key


def test_base_path_mounts_the_app() -> None:
    seen = through_both(v2(path="/v1/items"), base_path="/v1")
    assert (seen.root_path, seen.path) == ("/v1", "/v1/items")


@pytest.mark.parametrize(
    ("event", "source"),
    [
        pytest.param(v1(), "vpc-lattice", id="v1"),
        pytest.param(v2(), "vpc-lattice", id="v2"),
        pytest.param(v2(requestContext={"targetGroupArn": "arn:tg"}), "vpc-lattice", id="v2-tg"),
    ],
)
def test_recognised(event: dict[str, Any], source: str) -> None:
    assert Adapter(WsgiRecorder()).source_for(event).name == source


def test_v2_without_lattice_context_is_not_claimed() -> None:
    from hatchway import UnsupportedEvent

    with pytest.raises(UnsupportedEvent, match="vpc-lattice"):
        Adapter(WsgiRecorder()).source_for(v2(requestContext={}))


@pytest.mark.parametrize(
    ("event", "field"),
    [
        pytest.param(v1(raw_path=None), "raw_path", id="v1-no-path"),
        pytest.param(v2(path=""), "path", id="v2-empty-path"),
        pytest.param(v2(method=None), "method", id="no-method"),
        pytest.param(v1(body=42), "body", id="body-not-a-string"),
    ],
)
def test_malformed_events_name_the_field(event: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        Adapter(WsgiRecorder())(event, Context())
    assert caught.value.field == field


def test_bad_base64_body_is_answered_400() -> None:
    result = Adapter(WsgiRecorder())(v1(body="%%%", is_base64_encoded=True), Context())
    assert (result["statusCode"], result["statusDescription"]) == (400, "400 Bad Request")


RESPONSE_HEADERS = [
    ("Content-Type", "text/plain"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT"),
    ("Set-Cookie", "c=3"),
    ("Vary", "Accept"),
    ("Vary", "Origin"),
]


@pytest.mark.parametrize("event", [v1(), v2()], ids=["v1", "v2"])
def test_response_shape(event: dict[str, Any]) -> None:
    result = Adapter(WsgiRecorder("201 Created", RESPONSE_HEADERS, b"made"))(event, Context())
    assert result == {
        "statusCode": 201,
        "statusDescription": "201 Created",
        "headers": {
            "Content-Type": "text/plain",
            "Set-Cookie": "a=1; Path=/",
            "set-cookie": "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
            "Set-cookie": "c=3",
            "Vary": "Accept, Origin",
        },
        "body": "made",
        "isBase64Encoded": False,
    }


def test_binary_response_is_base64() -> None:
    app = WsgiRecorder(headers=[("Content-Type", "application/octet-stream")], body=b"\xff\x00")
    result = Adapter(app)(v2(), Context())
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == b"\xff\x00"


def test_empty_response() -> None:
    result = Adapter(WsgiRecorder("204 No Content", [], b""))(v1(), Context())
    assert result == {
        "statusCode": 204,
        "statusDescription": "204 No Content",
        "headers": {},
        "body": "",
        "isBase64Encoded": False,
    }


# --- every real sample -----------------------------------------------------

SAMPLES = sample_params("vpc-lattice-v1", "vpc-lattice-v2")


def _expected(event: dict[str, Any]) -> dict[str, Any]:
    """What the app must see, read from the event independently of hatchway."""
    path = event["path"] if event.get("version") == "2.0" else event["raw_path"]
    params = event.get("queryStringParameters") or event.get("query_string_parameters") or {}
    pairs = [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]
    headers = {k.lower(): (v if isinstance(v, list) else [v]) for k, v in event["headers"].items()}
    flagged = event.get("isBase64Encoded", event.get("is_base64_encoded"))
    body = event.get("body") or ""
    return {
        "method": event["method"],
        "path": unquote(path),
        "query": "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs),
        "headers": headers,
        "body": base64.b64decode(body) if flagged else body.encode(),
        "client": headers["x-forwarded-for"][-1].split(",")[-1].strip(),
    }


@pytest.mark.parametrize("path", SAMPLES)
@pytest.mark.parametrize("app", [fastapi_echo, flask_echo], ids=["fastapi", "flask"])
def test_sample(path: Path, app: Any) -> None:
    event = load(path)
    handler = Adapter(app, lifespan="off" if app is fastapi_echo else "auto")
    assert handler.source_for(event).name == "vpc-lattice"
    result = handler(event, Context())
    assert result["statusCode"] == 200
    assert result["statusDescription"] == "200 OK"
    assert result["isBase64Encoded"] is False
    cookies = [v for k, v in result["headers"].items() if k.lower() == "set-cookie"]
    assert cookies == SET_COOKIES
    vary = [v for k, v in result["headers"].items() if k.lower() == "vary"]
    assert vary == ["Accept, Origin"]
    assert_echoed(json.loads(result["body"]), _expected(event), wsgi=app is flask_echo)


# --- the gateway direction -------------------------------------------------


def test_built_event_reaches_the_app_as_the_client_sent_it() -> None:
    event = build_event(
        "vpc-lattice",
        "POST",
        "https://svc.example.on.aws/caf%C3%A9/x?a=1&a=2&q=x%20y",
        headers=[("Accept", "text/html"), ("Accept", "*/*"), ("X-Forwarded-For", "6.6.6.6")],
        json={"k": "v"},
        client=("10.0.0.9", 4321),
    )
    assert event["version"] == "2.0"
    assert event["headers"]["accept"] == ["text/html", "*/*"]
    assert event["queryStringParameters"] == {"a": ["1", "2"], "q": ["x y"]}
    seen = through_both(event)
    assert (seen.method, seen.path, seen.raw_path) == ("POST", "/café/x", b"/caf%C3%A9/x")
    assert seen.query == b"a=1&a=2&q=x%20y"
    assert seen.header(b"accept") == [b"text/html", b"*/*"]
    assert json.loads(seen.body) == {"k": "v"}
    assert seen.client == ("10.0.0.9", 0)  # the entry the service appended, not the client's
    assert seen.server == ("svc.example.on.aws", 443)


@pytest.mark.parametrize("path", sample_params("vpc-lattice-v2"))
def test_built_event_has_every_key_the_v2_samples_have(path: Path) -> None:
    sample = load(path)
    ours = build_event("vpc-lattice", "GET", "https://svc.example.on.aws/")
    for key in ("version", "path", "method", "headers", "body", "isBase64Encoded"):
        assert type(ours[key]) is type(sample[key]), key
    assert set(sample["requestContext"]) <= set(ours["requestContext"])
    for key, value in sample["requestContext"].items():
        assert type(ours["requestContext"][key]) is type(value), key


def test_response_read_back_keeps_every_cookie() -> None:
    app = WsgiRecorder("200 OK", RESPONSE_HEADERS, b"\xff\x00")
    result = Adapter(app)(build_event("vpc-lattice", "GET", "/"), Context())
    response = read_response("vpc-lattice", result)
    assert response.status == 200
    cookies = [v for k, v in response.headers if k.lower() == "set-cookie"]
    assert cookies == [v for k, v in RESPONSE_HEADERS if k == "Set-Cookie"]
    assert response.body == b"\xff\x00"


@pytest.mark.parametrize(
    "result",
    [
        pytest.param({"statusCode": "abc"}, id="status-not-a-number"),
        pytest.param({"statusCode": 200, "headers": ["x"]}, id="headers-not-an-object"),
        pytest.param({"statusCode": 200, "headers": {"x": {"y": 1}}}, id="header-value-object"),
        pytest.param({"statusCode": 200, "body": "%%", "isBase64Encoded": True}, id="bad-b64"),
        pytest.param("text", id="not-an-object"),
    ],
)
def test_malformed_results_are_a_502(result: Any) -> None:
    with pytest.raises(MalformedResponse) as caught:
        read_response("vpc-lattice", result)
    assert caught.value.status == 502
