"""CloudFront Lambda@Edge: one row per mapping rule and per CloudFront quirk,
then every real sample through FastAPI and Flask."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from hatchway import Adapter, InvalidEvent, UnsupportedEvent
from hatchway.sources.lambda_edge import RESPONSE_LIMITS, is_forbidden_header
from hatchway.testing import GatewayError, MalformedResponse, build_event, read_response
from helpers import AsgiRecorder, Context, WsgiRecorder, load, sample_params
from helpers.echo_apps import SET_COOKIES, assert_echoed, fastapi_echo, flask_echo
from helpers.mapping import through_both


def edge_event(trigger: str = "viewer-request", **request_changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "clientIp": "203.0.113.178",
        "headers": {
            "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
            "user-agent": [{"key": "User-Agent", "value": "curl/8.0"}],
        },
        "method": "GET",
        "querystring": "",
        "uri": "/items",
    }
    request.update(request_changes)
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": "d111111abcdef8.cloudfront.net",
                        "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": trigger,
                        "requestId": "edge-req-1",
                    },
                    "request": request,
                }
            }
        ]
    }


def with_headers(**headers: list[str]) -> dict[str, Any]:
    """A header map in CloudFront's shape; the ``key`` keeps a made-up letter case."""
    return {
        name.replace("_", "-"): [
            {"key": name.replace("_", "-").title(), "value": value} for value in values
        ]
        for name, values in headers.items()
    }


REQUEST_ROWS = [
    (
        "viewer-request-basics",
        edge_event(),
        {
            "method": "GET",
            "path": "/items",
            "raw_path": b"/items",
            "query": b"",
            "client": ("203.0.113.178", 0),
            "server": ("d111111abcdef8.cloudfront.net", 443),
            "scheme": "https",
        },
    ),
    (
        "uri-is-percent-encoded",
        edge_event(uri="/caf%C3%A9/a%2Fb"),
        {"path": "/café/a/b", "raw_path": b"/caf%C3%A9/a%2Fb"},
    ),
    (
        "querystring-verbatim",
        edge_event(querystring="a=1&a=2&q=x%20y&flag"),
        {"query": b"a=1&a=2&q=x%20y&flag"},
    ),
    (
        "repeated-headers-all-kept-in-order",
        edge_event(headers=with_headers(host=["h.example"], accept=["text/html", "*/*"])),
        {"header:accept": [b"text/html", b"*/*"]},
    ),
    (
        "several-cookie-headers-become-one",
        edge_event(headers=with_headers(host=["h.example"], cookie=["a=1", "b=2; c=3"])),
        {"header:cookie": [b"a=1; b=2; c=3"]},
    ),
    (
        "header-names-lower-cased",
        edge_event(headers={"x-thing": [{"key": "X-THING", "value": "v"}]}),
        {"header:x-thing": [b"v"]},
    ),
    (
        "included-body-base64",
        edge_event(
            method="POST",
            body={
                "inputTruncated": False,
                "action": "read-only",
                "encoding": "base64",
                "data": base64.b64encode(b"\x00\xffbinary").decode(),
            },
        ),
        {"method": "POST", "body": b"\x00\xffbinary"},
    ),
    (
        "included-body-text",
        edge_event(
            method="PUT",
            body={"inputTruncated": False, "action": "read-only", "encoding": "text", "data": "é"},
        ),
        {"body": "é".encode()},
    ),
    ("body-absent-when-not-included", edge_event(), {"body": b""}),
    (
        "no-host-header-uses-distribution-domain",
        edge_event(headers={}),
        {"server": ("d111111abcdef8.cloudfront.net", 443)},
    ),
    (
        "origin-request-host-is-the-origin",
        edge_event("origin-request", headers=with_headers(host=["example.org"])),
        {"server": ("example.org", 443), "scheme": "https"},
    ),
    (
        "origin-request-trusts-cloudfront-forwarded-proto",
        edge_event(
            "origin-request",
            headers=with_headers(host=["example.org"], cloudfront_forwarded_proto=["http"]),
        ),
        {"scheme": "http", "server": ("example.org", 80)},
    ),
    (
        "viewer-request-ignores-client-sent-cloudfront-forwarded-proto",
        edge_event(headers=with_headers(host=["h.example"], cloudfront_forwarded_proto=["http"])),
        {"scheme": "https", "server": ("h.example", 443)},
    ),
    (
        "x-forwarded-proto-never-trusted",
        edge_event(headers=with_headers(host=["h.example"], x_forwarded_proto=["http"])),
        {"scheme": "https"},
    ),
    (
        "client-is-cloudfronts-clientip-not-x-forwarded-for",
        edge_event(headers=with_headers(host=["h"], x_forwarded_for=["6.6.6.6"])),
        {"client": ("203.0.113.178", 0)},
    ),
    (
        "event-type-missing-is-a-request",
        {"Records": [{"cf": {"request": edge_event()["Records"][0]["cf"]["request"]}}]},
        {"method": "GET", "path": "/items"},
    ),
    ("null-headers", edge_event(headers=None), {"headers": []}),
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
    seen = through_both(edge_event(uri="/v1/items"), base_path="/v1")
    assert (seen.root_path, seen.path) == ("/v1", "/v1/items")


@pytest.mark.parametrize("trigger", ["origin-response", "viewer-response"])
@pytest.mark.parametrize("passthrough", [None, "/events"])
def test_response_triggers_are_refused_naming_the_trigger(
    trigger: str, passthrough: str | None
) -> None:
    event = edge_event(trigger)
    event["Records"][0]["cf"]["response"] = {"status": "200", "headers": {}}
    for app in (AsgiRecorder(), WsgiRecorder()):
        with pytest.raises(UnsupportedEvent, match=f"Lambda@Edge {trigger} events") as caught:
            Adapter(
                app,
                lifespan="off" if isinstance(app, AsgiRecorder) else "auto",
                passthrough=passthrough,
            )(event, Context())
        assert "viewer-request and origin-request" in str(caught.value)
        assert not getattr(app, "scopes", getattr(app, "environs", None))


@pytest.mark.parametrize(
    ("event", "field"),
    [
        pytest.param(edge_event(uri=None), "Records[0].cf.request.uri", id="no-uri"),
        pytest.param(edge_event(uri="items"), "Records[0].cf.request.uri", id="relative-uri"),
        pytest.param(edge_event(method=""), "Records[0].cf.request.method", id="no-method"),
        pytest.param(
            {"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]},
            "Records[0].cf.request",
            id="no-request",
        ),
        pytest.param(
            edge_event("edge-request"), "Records[0].cf.config.eventType", id="unknown-trigger"
        ),
    ],
)
def test_malformed_events_name_the_field(event: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        Adapter(WsgiRecorder())(event, Context())
    assert caught.value.field == field


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"inputTruncated": True, "encoding": "base64", "data": "AAAA"}, id="truncated-body"
        ),
        pytest.param({"inputTruncated": False, "encoding": "base64", "data": "%%%"}, id="bad-b64"),
    ],
)
def test_unusable_bodies_are_answered_400(body: dict[str, Any]) -> None:
    app = WsgiRecorder()
    result = Adapter(app)(edge_event(method="POST", body=body), Context())
    assert result["status"] == "400"
    assert result["statusDescription"] == "Bad Request"
    assert app.environs == []


def render(
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"ok",
    event: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    app = WsgiRecorder(
        status, [("Content-Type", "text/plain")] if headers is None else headers, body
    )
    return Adapter(app, **options)(event or edge_event(), Context())  # type: ignore[no-any-return]


RENDER_ROWS = [
    (
        "status-is-a-string-with-description",
        render("404 Not Found"),
        {"status": "404", "statusDescription": "Not Found"},
    ),
    (
        "unknown-status-still-described",
        render("599 Whatever"),
        {"status": "599", "statusDescription": "Unknown"},
    ),
    (
        "every-set-cookie-in-list-shape",
        render(
            headers=[("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Content-Type", "text/plain")]
        ),
        {
            "headers": {
                "set-cookie": [
                    {"key": "Set-Cookie", "value": "a=1"},
                    {"key": "set-cookie", "value": "b=2"},
                ],
                "content-type": [{"key": "Content-Type", "value": "text/plain"}],
            }
        },
    ),
    (
        "repeated-vary-kept",
        render(headers=[("Vary", "Accept"), ("Vary", "Origin")]),
        {
            "headers": {
                "vary": [{"key": "Vary", "value": "Accept"}, {"key": "Vary", "value": "Origin"}]
            }
        },
    ),
    (
        "forbidden-headers-dropped",
        render(
            headers=[
                ("Content-Type", "text/plain"),
                ("Content-Length", "2"),
                ("Connection", "keep-alive"),
                ("Keep-Alive", "timeout=5"),
                ("Transfer-Encoding", "chunked"),
                ("Via", "1.1 app"),
                ("X-Amz-Cf-Id", "x"),
                ("X-Amzn-Trace-Id", "Root=1"),
                ("X-Edge-Location", "FRA"),
                ("X-Cache", "Miss"),
                ("X-Real-IP", "1.2.3.4"),
                ("Upgrade", "h2c"),
                ("X-Custom", "kept"),
            ]
        ),
        {
            "headers": {
                "content-type": [{"key": "Content-Type", "value": "text/plain"}],
                "x-custom": [{"key": "X-Custom", "value": "kept"}],
            }
        },
    ),
    (
        "text-body",
        render(headers=[("Content-Type", "application/json")], body=b'{"a":"\xc3\xa9"}'),
        {"body": '{"a":"é"}', "bodyEncoding": "text"},
    ),
    (
        "binary-body-base64",
        render(headers=[("Content-Type", "image/png")], body=b"\x89PNG"),
        {"body": base64.b64encode(b"\x89PNG").decode(), "bodyEncoding": "base64"},
    ),
    (
        "gzip-text-is-base64",
        render(
            headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body=b"\x1f\x8b"
        ),
        {"bodyEncoding": "base64"},
    ),
    (
        "exclude-headers-applies",
        render(headers=[("Server", "x"), ("X-Keep", "y")], exclude_headers=["server"]),
        {"headers": {"x-keep": [{"key": "X-Keep", "value": "y"}]}},
    ),
]


@pytest.mark.parametrize(("result", "want"), [pytest.param(r, w, id=i) for i, r, w in RENDER_ROWS])
def test_response_rendering(result: dict[str, Any], want: dict[str, Any]) -> None:
    for key, value in want.items():
        assert result[key] == value, key


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
def test_bodyless_statuses_carry_no_body(status: str) -> None:
    # CloudFront fails a generated 204 that has a body at all.
    result = render(status, body=b"stray")
    assert "body" not in result
    assert "bodyEncoding" not in result


def test_empty_body_has_no_body_field() -> None:
    result = render(body=b"")
    assert set(result) == {"status", "statusDescription", "headers"}


def test_forbidden_header_rule_is_case_insensitive() -> None:
    assert is_forbidden_header("CONTENT-LENGTH")
    assert is_forbidden_header("x-amzn-requestid")
    assert not is_forbidden_header("X-Amz-Meta-Owner")
    assert not is_forbidden_header("Cache-Control")


@pytest.mark.parametrize(
    ("trigger", "size", "status"),
    [
        pytest.param("viewer-request", 30 * 1024, "200", id="viewer-under-40KB"),
        pytest.param("viewer-request", 41 * 1024, "500", id="viewer-over-40KB"),
        pytest.param("origin-request", 41 * 1024, "200", id="origin-41KB-is-fine"),
        pytest.param("origin-request", 1024 * 1024, "500", id="origin-over-1MB"),
    ],
)
def test_generated_response_size_limits(
    trigger: str, size: int, status: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        result = render(body=b"x" * size, event=edge_event(trigger))
    assert result["status"] == status
    assert len(json.dumps(result)) <= RESPONSE_LIMITS[trigger]
    if status == "500":
        assert result["body"].startswith("Internal Server Error")
        [record] = caplog.records
        message = record.getMessage()
        assert f"{RESPONSE_LIMITS[trigger]}-byte limit" in message
        assert "lambda-edge" in message
    else:
        assert caplog.records == []


def test_limit_counts_headers_too() -> None:
    headers = [("X-Big", "v" * 1000)] * 45
    assert render(headers=headers, body=b"")["status"] == "500"


def test_next_invocation_after_an_oversized_one_is_normal() -> None:
    app = WsgiRecorder(body=b"x" * (50 * 1024))
    handler = Adapter(app)
    assert handler(edge_event(), Context())["status"] == "500"
    app.body = b"small"
    assert handler(edge_event(), Context())["body"] == "small"


# --- every real sample -----------------------------------------------------

SAMPLES = sample_params("lambda-edge")


def _is_response_trigger(event: dict[str, Any]) -> bool:
    return event["Records"][0]["cf"]["config"]["eventType"].endswith("-response")


def _expected(event: dict[str, Any]) -> dict[str, Any]:
    """What the app must see, read from the event independently of hatchway."""
    request = event["Records"][0]["cf"]["request"]
    headers: dict[str, list[str]] = {}
    for name, items in request["headers"].items():
        headers[name] = [item["value"] for item in items]
    body = request.get("body") or {}
    data = body.get("data", "")
    return {
        "method": request["method"],
        "path": unquote(request["uri"]),
        "query": request["querystring"],
        "headers": headers,
        "body": base64.b64decode(data) if body.get("encoding") == "base64" else data.encode(),
        "client": request["clientIp"],
    }


@pytest.mark.parametrize("path", SAMPLES)
@pytest.mark.parametrize("app", [fastapi_echo, flask_echo], ids=["fastapi", "flask"])
def test_sample(path: Path, app: Any) -> None:
    event = load(path)
    handler = Adapter(app, lifespan="off" if app is fastapi_echo else "auto")
    assert handler.source_for(event).name == "lambda-edge"
    if _is_response_trigger(event):
        with pytest.raises(UnsupportedEvent, match=r"Lambda@Edge .*-response events"):
            handler(event, Context())
        return
    result = handler(event, Context())
    assert result["status"] == "200"
    assert result["statusDescription"] == "OK"
    assert [c["value"] for c in result["headers"]["set-cookie"]] == SET_COOKIES
    assert [v["value"] for v in result["headers"]["vary"]] == ["Accept", "Origin"]
    assert "content-length" not in result["headers"]
    assert result["bodyEncoding"] == "text"
    assert_echoed(json.loads(result["body"]), _expected(event), wsgi=app is flask_echo)


# --- the gateway direction -------------------------------------------------


def test_built_event_reaches_the_app_as_the_viewer_sent_it() -> None:
    event = build_event(
        "lambda-edge",
        "POST",
        "https://d111111abcdef8.cloudfront.net/caf%C3%A9/x?a=1&a=2&q=x%20y",
        headers=[("Accept", "text/html"), ("Accept", "*/*"), ("Cookie", "a=1; b=2")],
        body=b"\x00\xffdata",
        client=("198.51.100.9", 4321),
    )
    cf = event["Records"][0]["cf"]
    assert cf["config"]["eventType"] == "viewer-request"
    assert cf["request"]["headers"]["accept"] == [
        {"key": "Accept", "value": "text/html"},
        {"key": "Accept", "value": "*/*"},
    ]
    assert "x-forwarded-for" not in cf["request"]["headers"]  # added only towards the origin
    seen = through_both(event)
    assert (seen.method, seen.path, seen.raw_path) == ("POST", "/café/x", b"/caf%C3%A9/x")
    assert seen.query == b"a=1&a=2&q=x%20y"
    assert seen.header(b"accept") == [b"text/html", b"*/*"]
    assert seen.header(b"cookie") == [b"a=1; b=2"]
    assert seen.body == b"\x00\xffdata"
    assert seen.client == ("198.51.100.9", 0)
    assert seen.server == ("d111111abcdef8.cloudfront.net", 443)


def test_built_event_truncates_a_large_body_like_cloudfront() -> None:
    event = build_event(
        "lambda-edge", "PUT", "/big", body=b"x" * (RESPONSE_LIMITS["viewer-request"] + 1)
    )
    body = event["Records"][0]["cf"]["request"]["body"]
    assert body["inputTruncated"] is True
    assert len(base64.b64decode(body["data"])) == RESPONSE_LIMITS["viewer-request"]
    assert Adapter(WsgiRecorder())(event, Context())["status"] == "400"


@pytest.mark.parametrize("path", SAMPLES)
def test_built_event_has_every_key_the_viewer_request_samples_have(path: Path) -> None:
    sample = load(path)
    if sample["Records"][0]["cf"]["config"]["eventType"] != "viewer-request":
        pytest.skip("only the viewer-request trigger is built")
    ours = build_event("lambda-edge", "GET", "https://d111111abcdef8.cloudfront.net/")
    theirs_cf, ours_cf = sample["Records"][0]["cf"], ours["Records"][0]["cf"]
    for part in ("config", "request"):
        assert set(theirs_cf[part]) <= set(ours_cf[part]), part
        for key, value in theirs_cf[part].items():
            assert type(ours_cf[part][key]) is type(value), key


def test_response_read_back_as_cloudfront_delivers_it() -> None:
    app = WsgiRecorder(
        "201 Created",
        [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        b"\xffbinary",
    )
    result = Adapter(app)(build_event("lambda-edge", "GET", "/"), Context())
    response = read_response("lambda-edge", result)
    assert response.status == 201
    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert response.body == b"\xffbinary"


def test_header_without_key_gets_its_name() -> None:
    result = {"status": "200", "headers": {"x-a": [{"value": "1"}]}, "body": "hi"}
    response = read_response("lambda-edge", result)
    assert (response.headers, response.body) == ([("x-a", "1")], b"hi")


@pytest.mark.parametrize(
    "result",
    [
        pytest.param({"status": "199"}, id="status-below-200"),
        pytest.param({"status": "abc"}, id="status-not-a-number"),
        pytest.param({"status": "200", "headers": {"via": [{"value": "x"}]}}, id="forbidden"),
        pytest.param({"status": "200", "headers": {"x": "y"}}, id="header-not-a-list"),
        pytest.param({"status": "200", "body": "%%", "bodyEncoding": "base64"}, id="bad-base64"),
        pytest.param({"status": "200", "body": "x", "bodyEncoding": "gzip"}, id="bad-encoding"),
        pytest.param({"status": "200", "body": "x" * 50_000}, id="over-40KB"),
        pytest.param(["not", "a", "dict"], id="not-an-object"),
    ],
)
def test_malformed_results_are_cloudfronts_502(result: Any) -> None:
    with pytest.raises(MalformedResponse) as caught:
        read_response("lambda-edge", result)
    assert caught.value.status == 502
    assert caught.value.headers == [("content-type", "text/html")]


def test_a_returned_request_has_no_origin_to_go_to() -> None:
    with pytest.raises(GatewayError, match="origin") as caught:
        read_response("lambda-edge", {"uri": "/", "method": "GET", "headers": {}})
    assert caught.value.status == 502
