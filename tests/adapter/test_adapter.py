"""Adapter: options, interface detection, source selection and error handling."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from hatchway import Adapter, Request, Response, UnsupportedEvent
from hatchway.interface import detect_interface
from hatchway.sources import SourceOptions
from helpers import AsgiRecorder, Context, WsgiRecorder
from helpers.events import http_api


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    return []


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"interface": "rsgi"}, ValueError, "interface must be one of"),
        ({"lifespan": "yes"}, ValueError, "lifespan must be one of"),
        ({"errors": "ignore"}, ValueError, "errors must be one of"),
        ({"base_path": 1}, TypeError, "base_path must be a string"),
        ({"base_path": "/v1?x"}, ValueError, "base_path must be a plain path"),
        ({"text_mime_types": "application/x"}, TypeError, "not one string"),
        ({"exclude_headers": [1]}, TypeError, "exclude_headers takes strings"),
        ({"sources": [object()]}, TypeError, "is not an event source"),
        ({"lifespan": "on"}, ValueError, "needs an ASGI app"),
    ],
)
def test_invalid_options_fail_at_construction(
    options: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        Adapter(wsgi_app, **options)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        # A typo names the sources that can stream.
        (
            {"streaming": ["function_url"]},
            ValueError,
            r"streaming names 'function_url', which cannot stream; choose from "
            r"'apigw-rest', 'function-url'",
        ),
        ({"streaming": ["apigw-http"]}, ValueError, r"'apigw-http', which cannot stream"),
        ({"streaming": 1}, TypeError, "streaming takes True or a list of source names"),
        ({"streaming": "function-url"}, TypeError, "streaming takes True or a list"),
        ({"strip_stage": "no"}, TypeError, "strip_stage must be True or False, not 'no'"),
        ({"strip_stage": 0}, TypeError, "strip_stage must be True or False, not 0"),
        ({"access_log": "yes"}, TypeError, "access_log must be True or False, not 'yes'"),
        (
            {"text_mime_types": ["json"]},
            ValueError,
            r"text_mime_types takes media types like 'application/vnd.api\+json' or "
            r"'application/\*', not 'json'",
        ),
        ({"text_mime_types": ["application/"]}, ValueError, "not 'application/'"),
        ({"text_mime_types": ["*/*"]}, ValueError, "not '\\*/\\*'"),
        ({"text_mime_types": ["application/vnd.x.*"]}, ValueError, "not 'application/vnd.x.\\*'"),
        ({"exclude_headers": ["Content Type"]}, ValueError, "not a header name: 'Content Type'"),
        ({"exclude_headers": [""]}, ValueError, "not a header name: ''"),
    ],
)
def test_misspelt_or_mistyped_options_fail_at_construction(
    options: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        Adapter(asgi_app, **options)


def test_correct_spellings_are_accepted() -> None:
    adapter = Adapter(
        asgi_app,
        streaming=["function-url", "apigw-rest"],
        strip_stage=True,
        access_log=False,
        text_mime_types=["application/vnd.api+json", "application/*", " Image/SVG+XML "],
        exclude_headers=["X-Powered-By"],
    )
    assert adapter.streaming == {"function-url", "apigw-rest"}


def test_an_adapter_is_not_an_app() -> None:
    with pytest.raises(TypeError, match=r"already an Adapter.*Adapter\(app\)"):
        Adapter(Adapter(asgi_app))


def test_app_must_be_callable() -> None:
    with pytest.raises(TypeError, match="ASGI or WSGI callable"):
        Adapter(None)  # type: ignore[arg-type]


class AsyncCallable:
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        return None


class SyncCallable:
    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        return []


class Asgi2:
    def __init__(self, scope: Any) -> None:
        pass

    async def __call__(self, receive: Any, send: Any) -> None:
        return None


def detection_rows() -> list[Any]:
    # Django's handlers are detected in test_frameworks_core, in a process of their own
    # (Django settings can be configured once per process).
    from fastapi import FastAPI
    from flask import Flask
    from starlette.applications import Starlette

    return [
        pytest.param(asgi_app, "asgi", id="async-function"),
        pytest.param(AsyncCallable(), "asgi", id="object-with-async-call"),
        pytest.param(Asgi2, "asgi", id="asgi2-class"),
        pytest.param(functools.partial(asgi_app), "asgi", id="partial-of-async"),
        pytest.param(FastAPI(), "asgi", id="fastapi"),
        pytest.param(Starlette(), "asgi", id="starlette"),
        pytest.param(wsgi_app, "wsgi", id="function"),
        pytest.param(SyncCallable(), "wsgi", id="object-with-sync-call"),
        pytest.param(Flask(__name__), "wsgi", id="flask"),
    ]


@pytest.mark.parametrize(("app", "kind"), detection_rows())
def test_interface_detection(app: Any, kind: str) -> None:
    assert detect_interface(app) == kind
    assert Adapter(app, lifespan="off").interface == kind


def test_interface_override() -> None:
    assert Adapter(SyncCallable(), interface="asgi", lifespan="off").interface == "asgi"


def test_unsupported_event_names_keys_and_sources() -> None:
    with pytest.raises(UnsupportedEvent) as info:
        Adapter(wsgi_app)({"Records": [{"eventSource": "aws:sqs"}]}, Context())
    message = str(info.value)
    assert "'Records'" in message
    for name in ("alb", "function-url", "apigw-http", "apigw-rest"):
        assert name in message
    assert info.value.event_keys == ("Records",)


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, "an aws:sqs event"),
        ({"Records": [{"EventSource": "aws:sns", "Sns": {}}]}, "an aws:sns event"),
        (
            {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
            "an EventBridge event (Scheduled Event)",
        ),
        ({"hello": "world"}, "an event with top-level keys ['hello']"),
    ],
)
def test_unsupported_event_says_how_to_pass_it_through(event: Any, kind: str) -> None:
    with pytest.raises(UnsupportedEvent) as info:
        Adapter(wsgi_app)(event, Context())
    message = str(info.value)
    assert kind in message
    assert "passthrough='/events'" in message
    assert "passthrough=a_function" in message


@pytest.mark.parametrize("event", [None, [], "GET /", 42])
def test_non_dict_events_are_unsupported(event: Any) -> None:
    with pytest.raises(UnsupportedEvent, match="event of type"):
        Adapter(wsgi_app)(event, Context())


def test_websocket_events_get_a_clear_error() -> None:
    event = {
        "requestContext": {"connectionId": "abc=", "routeKey": "$connect", "eventType": "CONNECT"}
    }
    with pytest.raises(UnsupportedEvent, match="WebSocket events are not supported"):
        Adapter(wsgi_app)(event, Context())


class EchoSource:
    """A custom source: events shaped {"custom": path}."""

    name = "custom"

    def matches(self, event: Any) -> bool:
        return "custom" in event or event.get("rawPath") == "/claimed"

    def parse(self, event: Any, options: SourceOptions) -> Request:
        path = event.get("custom", "/claimed")
        return Request(method="GET", path=path, raw_path=path.encode())

    def render(self, response: Response, event: Any, options: SourceOptions) -> dict[str, Any]:
        return {"status": response.status, "body": response.body.decode()}


def test_custom_sources_are_tried_first() -> None:
    adapter = Adapter(WsgiRecorder(body=b"hi"), sources=[EchoSource()])
    assert adapter({"custom": "/x"}, Context()) == {"status": 200, "body": "hi"}
    assert adapter(http_api("/claimed"), Context()) == {"status": 200, "body": "hi"}
    assert adapter(http_api("/other"), Context())["statusCode"] == 200


def test_exclude_headers_case_insensitive() -> None:
    app = WsgiRecorder(
        headers=[("Content-Type", "text/plain"), ("X-Powered-By", "x"), ("Server", "y")]
    )
    result = Adapter(app, exclude_headers=["x-powered-by", "SERVER"])(http_api(), Context())
    assert result["headers"] == {"Content-Type": "text/plain"}


def test_same_event_through_asgi_and_wsgi_renders_the_same() -> None:
    asgi = AsgiRecorder(headers=[(b"Content-Type", b"text/plain"), (b"Set-Cookie", b"a=1")])
    wsgi = WsgiRecorder(headers=[("Content-Type", "text/plain"), ("Set-Cookie", "a=1")])
    assert Adapter(asgi)(http_api(), Context()) == Adapter(wsgi)(http_api(), Context())
