"""Pass-through of non-HTTP events: into the app as ``POST <path>``, or to a callable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import flask
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from hatchway import Adapter, PassthroughError, UnsupportedEvent
from helpers import AsgiRecorder, Context, WsgiRecorder, load, sample_params

SQS_EVENT: dict[str, Any] = {
    "Records": [
        {
            "messageId": "m-1",
            "eventSource": "aws:sqs",
            "body": '{"order": 7, "note": "café"}',
            "messageAttributes": {},
        }
    ]
}
SCHEDULE_EVENT: dict[str, Any] = {
    "version": "0",
    "source": "aws.events",
    "detail-type": "Scheduled Event",
    "detail": {},
}
HTTP_EVENT: dict[str, Any] = {
    "version": "2.0",
    "rawPath": "/hello",
    "rawQueryString": "",
    "headers": {"host": "api.example.com"},
    "requestContext": {"http": {"method": "GET", "sourceIp": "1.2.3.4"}, "stage": "$default"},
}
WEBSOCKET_EVENT: dict[str, Any] = {
    "requestContext": {"connectionId": "c-1", "routeKey": "$connect", "eventType": "CONNECT"},
    "isBase64Encoded": False,
}


def events_app() -> FastAPI:
    """A web app that also serves triggers: POST /events gets every non-HTTP event."""
    app = FastAPI()
    app.state.seen = []

    @app.post("/events")
    async def events(request: Request) -> Any:
        event = await request.json()
        app.state.seen.append(
            {
                "event": event,
                "content_type": request.headers["content-type"],
                "aws_event_is_event": request.scope["aws.event"] == event,
                "aws_context": request.scope["aws.context"],
                "marked": request.scope.get("hatchway.passthrough"),
            }
        )
        return {"handled": len(event.get("Records", [])), "echo": event}

    @app.post("/text")
    async def text() -> PlainTextResponse:
        return PlainTextResponse("done, not JSON")

    @app.post("/empty")
    async def empty() -> Response:
        return Response(status_code=204)

    @app.post("/fail")
    async def fail() -> Response:
        return Response("queue is down", status_code=503)

    @app.post("/crash")
    async def crash() -> Response:
        raise RuntimeError("boom")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def test_event_reaches_the_route_and_its_answer_is_the_result() -> None:
    app = events_app()
    context = Context()
    result = Adapter(app, lifespan="off", passthrough="/events")(SQS_EVENT, context)
    assert result == {"handled": 1, "echo": SQS_EVENT}
    [seen] = app.state.seen
    assert seen["event"] == SQS_EVENT
    assert seen["content_type"] == "application/json"
    assert seen["aws_event_is_event"] is True
    assert seen["aws_context"] is context
    assert seen["marked"] is True


def test_http_request_for_the_route_is_refused_before_the_app() -> None:
    app = events_app()
    handler = Adapter(app, lifespan="off", passthrough="/events")
    http_post = dict(HTTP_EVENT, rawPath="/events", body=json.dumps(SQS_EVENT))
    http_post["requestContext"] = {"http": {"method": "POST", "sourceIp": "1.2.3.4"}}
    assert handler(http_post, Context())["statusCode"] == 404
    assert app.state.seen == []
    assert handler(HTTP_EVENT, Context())["statusCode"] == 200  # other routes are served


@pytest.mark.parametrize(
    ("path", "result"),
    [
        pytest.param("/text", "done, not JSON", id="text-when-not-json"),
        pytest.param("/empty", None, id="none-when-empty"),
    ],
)
def test_result_when_the_body_is_not_json(path: str, result: Any) -> None:
    assert (
        Adapter(events_app(), lifespan="off", passthrough=path)(SCHEDULE_EVENT, Context()) == result
    )


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/fail", 503, id="non-2xx-status"),
        pytest.param("/crash", 500, id="app-raises"),
        pytest.param("/missing", 404, id="no-such-route"),
    ],
)
def test_failure_raises_so_lambda_retries(path: str, status: int) -> None:
    handler = Adapter(events_app(), lifespan="off", passthrough=path)
    with pytest.raises(PassthroughError) as caught:
        handler(SQS_EVENT, Context())
    assert caught.value.status == status
    assert f"POST {path}" in str(caught.value)
    assert str(status) in str(caught.value)
    # The next invocation is unharmed.
    assert handler(HTTP_EVENT, Context())["statusCode"] == 200


def test_failure_body_is_in_the_message() -> None:
    with pytest.raises(PassthroughError, match="queue is down"):
        Adapter(events_app(), lifespan="off", passthrough="/fail")(SQS_EVENT, Context())


def test_errors_raise_propagates_the_apps_exception() -> None:
    # A bare app that fails before responding (Starlette would answer 500 first,
    # which the runner keeps; that case is the "app-raises" row above).
    def crash(environ: Any, start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    handler = Adapter(crash, passthrough="/events", errors="raise")
    with pytest.raises(RuntimeError, match="boom"):
        handler(SQS_EVENT, Context())


def test_http_events_never_go_to_passthrough() -> None:
    calls: list[Any] = []
    handler = Adapter(events_app(), lifespan="off", passthrough=lambda e, c: calls.append(e))
    result = handler(HTTP_EVENT, Context())
    assert json.loads(result["body"]) == {"hello": "world"}
    assert calls == []


def test_websocket_events_are_refused_even_with_passthrough() -> None:
    calls: list[Any] = []
    handler = Adapter(WsgiRecorder(), passthrough=lambda e, c: calls.append(e))
    with pytest.raises(UnsupportedEvent, match="WebSocket"):
        handler(WEBSOCKET_EVENT, Context())
    assert calls == []


def test_callable_gets_event_and_context() -> None:
    calls: list[tuple[Any, Any]] = []

    def on_event(event: Any, context: Any) -> dict[str, int]:
        calls.append((event, context))
        return {"batchItemFailures": 0}

    app = AsgiRecorder()
    context = Context()
    result = Adapter(app, lifespan="off", passthrough=on_event)(SQS_EVENT, context)
    assert result == {"batchItemFailures": 0}
    assert calls == [(SQS_EVENT, context)]
    assert app.scopes == []


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({}, id="empty-object"),
        pytest.param("warm-up", id="string"),
        pytest.param([1, 2], id="list"),
        pytest.param({"requestContext": None, "source": "custom"}, id="null-request-context"),
    ],
)
def test_any_json_value_reaches_the_route(event: Any) -> None:
    app = FastAPI()

    @app.post("/events")
    async def events(request: Request) -> Any:
        return {"got": await request.json()}

    assert Adapter(app, lifespan="off", passthrough="/events")(event, Context()) == {"got": event}


def test_wsgi_app_serves_events_too() -> None:
    app = flask.Flask("events")

    @app.post("/hooks/events")
    def events() -> Any:
        assert flask.request.environ["aws.event"] is SQS_EVENT
        assert flask.request.environ["hatchway.passthrough"] is True
        return {"type": flask.request.content_type, "records": flask.request.get_json()["Records"]}

    result = Adapter(app, passthrough="/hooks/events")(SQS_EVENT, Context())
    assert result == {"type": "application/json", "records": SQS_EVENT["Records"]}


def test_base_path_becomes_the_root_path() -> None:
    app = AsgiRecorder(headers=[(b"content-type", b"application/json")], body=b"[]")
    assert (
        Adapter(app, lifespan="off", base_path="/v1", passthrough="/v1/events")(
            SQS_EVENT, Context()
        )
        == []
    )
    assert (app.scope["method"], app.scope["path"], app.scope["root_path"]) == (
        "POST",
        "/v1/events",
        "/v1",
    )
    assert json.loads(app.bodies[-1]) == SQS_EVENT


@pytest.mark.parametrize(
    ("option", "error"),
    [
        pytest.param("events", ValueError, id="relative-path"),
        pytest.param("", ValueError, id="empty"),
        pytest.param("/events?x=1", ValueError, id="query"),
        pytest.param("/events\n", ValueError, id="control-character"),
        pytest.param(42, TypeError, id="not-a-path-or-callable"),
        pytest.param(b"/events", TypeError, id="bytes"),
    ],
)
def test_option_is_checked_when_the_adapter_is_built(option: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="passthrough"):
        Adapter(WsgiRecorder(), passthrough=option)


def test_without_passthrough_the_error_names_keys_and_sources() -> None:
    with pytest.raises(UnsupportedEvent) as caught:
        Adapter(WsgiRecorder())(SCHEDULE_EVENT, Context())
    message = str(caught.value)
    for key in SCHEDULE_EVENT:
        assert repr(key) in message
    for source in ("lambda-edge", "alb", "apigw-rest", "vpc-lattice"):
        assert source in message
    assert caught.value.event_keys == tuple(SCHEDULE_EVENT)


# --- every real non-HTTP sample ---------------------------------------------

SAMPLES = sample_params("non-http")


@pytest.mark.parametrize("path", SAMPLES)
def test_sample_reaches_the_route_unchanged(path: Path) -> None:
    event = load(path)
    app = events_app()
    context = Context()
    result = Adapter(app, lifespan="off", passthrough="/events")(event, context)
    [seen] = app.state.seen
    assert seen["event"] == event
    assert seen["aws_event_is_event"] is True
    assert seen["aws_context"] is context
    assert result == {"handled": len(event["Records"]), "echo": event}


@pytest.mark.parametrize("path", SAMPLES)
def test_sample_without_passthrough_is_unsupported(path: Path) -> None:
    event = load(path)
    for app in (AsgiRecorder(), WsgiRecorder()):
        with pytest.raises(UnsupportedEvent, match="top-level keys") as caught:
            Adapter(app, lifespan="off" if isinstance(app, AsgiRecorder) else "auto")(
                event, Context()
            )
        assert caught.value.event_keys == tuple(event)
        assert "lambda-edge" in caught.value.sources_tried
