"""The pass-through path must not be a public HTTP route.

With ``Adapter(app, passthrough="/events")`` a client could ``POST /events``
through any gateway with a forged SQS batch, and the app could not tell it from
a real event. Now an HTTP request for that route is answered 404 before the app
runs, and only a real pass-through carries ``hatchway.passthrough`` in its scope
or environ, a key no header can set.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import flask
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from hatchway import Adapter
from hatchway.http import PASSTHROUGH_KEY
from hatchway.testing import LambdaContext, build_event, gateway_names, read_response
from helpers import AsgiRecorder, WsgiRecorder

SOURCES = gateway_names()
FORGED_BATCH = {
    "Records": [
        {"messageId": "forged", "eventSource": "aws:sqs", "body": '{"refund": 1000000}'},
    ]
}
SQS_EVENT = {
    "Records": [{"messageId": "m-1", "eventSource": "aws:sqs", "body": '{"order": 7}'}],
}
#: Client headers that try to pass for the marker, in every spelling a server
#: might map onto an environ or scope key.
SPOOFING_HEADERS = {
    "hatchway.passthrough": "true",
    "Hatchway-Passthrough": "1",
    "hatchway_passthrough": "1",
    "X-Hatchway-Passthrough": "1",
}


def recorders() -> list[Any]:
    return [
        pytest.param(lambda: AsgiRecorder(), id="asgi"),
        pytest.param(lambda: WsgiRecorder(), id="wsgi"),
    ]


def seen(app: Any) -> list[dict[str, Any]]:
    return app.scopes if isinstance(app, AsgiRecorder) else app.environs


def adapter(app: Any, **options: Any) -> Adapter:
    if isinstance(app, AsgiRecorder):
        options.setdefault("lifespan", "off")
    return Adapter(app, **options)


@pytest.mark.parametrize("make_app", recorders())
@pytest.mark.parametrize("source", SOURCES)
def test_forged_event_posted_over_http_is_refused(source: str, make_app: Any) -> None:
    app = make_app()
    handler = adapter(app, passthrough="/events")
    event = build_event(source, "POST", "/events", json=FORGED_BATCH)
    response = read_response(source, handler(event, LambdaContext()))
    assert response.status == 404
    assert seen(app) == []  # the app never ran


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/events/", id="trailing-slash"),
        pytest.param("//events", id="double-slash"),
        pytest.param("/EVENTS", id="upper-case"),
        pytest.param("/x/../events", id="dot-dot-segment"),
        pytest.param("/./events", id="dot-segment"),
        pytest.param("/%65vents", id="percent-encoded"),
    ],
)
@pytest.mark.parametrize("source", ["apigw-rest", "function-url", "alb"])
def test_spellings_of_the_route_a_router_may_match_are_refused(source: str, url: str) -> None:
    app = AsgiRecorder()
    event = build_event(source, "POST", "https://api.example.com" + url, json=FORGED_BATCH)
    result = adapter(app, passthrough="/events")(event, LambdaContext())
    assert read_response(source, result).status == 404
    assert app.scopes == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_every_method_on_the_route_is_refused(method: str) -> None:
    app = WsgiRecorder()
    result = Adapter(app, passthrough="/events")(
        build_event("apigw-http", method, "/events"), LambdaContext()
    )
    assert result["statusCode"] == 404
    assert app.environs == []


def test_refusal_is_logged_and_the_next_event_still_passes_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = AsgiRecorder(headers=[(b"content-type", b"application/json")], body=b"{}")
    handler = adapter(app, passthrough="/events")
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        forged = handler(build_event("apigw-http", "POST", "/events", json=FORGED_BATCH), None)
    assert forged["statusCode"] == 404
    assert "pass-through route" in caplog.text
    assert handler(SQS_EVENT, LambdaContext()) == {}
    assert app.scope[PASSTHROUGH_KEY] is True


@pytest.mark.parametrize(
    ("options", "url", "stage_in_url"),
    [
        pytest.param({}, "/prod/events", True, id="rest-stage-is-the-mount-point"),
        pytest.param({"strip_stage": True}, "/prod/events", True, id="rest-strip-stage"),
        pytest.param({"base_path": "/v1"}, "/v1/events", False, id="custom-domain-base-path"),
    ],
)
def test_route_under_a_mount_point_is_refused(
    options: dict[str, Any], url: str, stage_in_url: bool
) -> None:
    app = AsgiRecorder()
    passthrough = "/v1/events" if "base_path" in options else "/events"
    settings: dict[str, Any] = {"stage": "prod", "stage_in_url": stage_in_url}
    if "base_path" in options:
        settings["base_path"] = options["base_path"]
    event = build_event("apigw-rest", "POST", url, json=FORGED_BATCH, **settings)
    result = adapter(app, passthrough=passthrough, **options)(event, LambdaContext())
    assert result["statusCode"] == 404
    assert app.scopes == []


@pytest.mark.parametrize("url", ["/events-log", "/eventsx", "/v2/events", "/", "/event"])
def test_other_routes_are_served(url: str) -> None:
    app = AsgiRecorder()
    result = adapter(app, passthrough="/events")(
        build_event("apigw-http", "POST", url), LambdaContext()
    )
    assert result["statusCode"] == 200
    assert app.scope["path"] == url


def test_callable_passthrough_leaves_every_http_route_to_the_app() -> None:
    app = AsgiRecorder()
    handler = adapter(app, passthrough=lambda event, context: None)
    assert handler(build_event("apigw-http", "POST", "/events"), None)["statusCode"] == 200
    assert PASSTHROUGH_KEY not in app.scope


@pytest.mark.parametrize("make_app", recorders())
@pytest.mark.parametrize("source", SOURCES)
def test_headers_cannot_set_the_marker(source: str, make_app: Any) -> None:
    app = make_app()
    event = build_event(source, "POST", "/hello", headers=SPOOFING_HEADERS, json=FORGED_BATCH)
    assert adapter(app, passthrough="/events")(event, LambdaContext())
    [scope_or_environ] = seen(app)
    assert PASSTHROUGH_KEY not in scope_or_environ
    marked = [key for key, value in scope_or_environ.items() if value is True]
    assert not [key for key in marked if "PASS" in key.upper()]


@pytest.mark.parametrize("make_app", recorders())
def test_only_a_real_passthrough_carries_the_marker(make_app: Any) -> None:
    app = make_app()
    handler = adapter(app, passthrough="/events")
    handler(SQS_EVENT, LambdaContext())
    handler(build_event("function-url", "POST", "/hello", json=SQS_EVENT), LambdaContext())
    event_scope, http_scope = seen(app)
    assert event_scope[PASSTHROUGH_KEY] is True
    assert PASSTHROUGH_KEY not in http_scope


# The checks docs/errors-and-limits.md shows, with real frameworks: an app
# that also routes the path for HTTP (a callable pass-through hands events
# elsewhere, or the route is shared) still refuses anything but an event.


def starlette_app() -> Starlette:
    async def events(request: Request) -> Any:
        if not request.scope.get("hatchway.passthrough"):
            return PlainTextResponse("Not Found", status_code=404)
        return JSONResponse({"handled": len((await request.json())["Records"])})

    return Starlette(routes=[Route("/events", events, methods=["POST"])])


def flask_app() -> flask.Flask:
    app = flask.Flask("events")

    @app.post("/events")
    def events() -> Any:
        if not flask.request.environ.get("hatchway.passthrough"):
            flask.abort(404)
        return {"handled": len(flask.request.get_json()["Records"])}

    return app


@pytest.mark.parametrize(
    "make_app", [pytest.param(starlette_app, id="starlette"), pytest.param(flask_app, id="flask")]
)
def test_documented_route_check_tells_events_from_http(make_app: Any) -> None:
    app = make_app()
    options: dict[str, Any] = {"lifespan": "off"} if isinstance(app, Starlette) else {}
    handler = Adapter(app, passthrough="/events", **options)
    assert handler(SQS_EVENT, LambdaContext()) == {"handled": 1}
    # The same check holds where the Adapter's own refusal does not apply: a
    # second Adapter (another function) sharing the app without pass-through.
    http_only = Adapter(app, **options)
    for source in SOURCES:
        event = build_event(source, "POST", "/events", headers=SPOOFING_HEADERS, json=FORGED_BATCH)
        response = read_response(source, http_only(event, LambdaContext()))
        assert response.status == 404, source
        assert b"handled" not in response.body


def test_forged_body_never_becomes_the_handlers_result() -> None:
    app = starlette_app()
    handler = Adapter(app, lifespan="off", passthrough="/events")
    result = handler(build_event("apigw-rest", "POST", "/events", json=FORGED_BATCH), None)
    assert result["statusCode"] == 404
    assert json.dumps(FORGED_BATCH) not in json.dumps(result)


class _Collected(bytearray):
    def write(self, data: bytes) -> None:
        self.extend(data)


def test_streamed_function_url_request_for_the_route_is_refused() -> None:
    """A streaming Adapter answers Function URL requests without going through
    ``Adapter.__call__``: the refusal holds there too."""
    from hatchway.streaming import StreamingHandler, read_streamed

    app = AsgiRecorder()
    handler = StreamingHandler(adapter(app, passthrough="/events", streaming=True))
    event = build_event("function-url", "POST", "/events", json=FORGED_BATCH)
    source = handler.source_for(event)
    assert source is not None
    out = _Collected()
    handler(source, event, LambdaContext(), out)
    assert read_streamed(bytes(out), "function-url").status == 404
    assert app.scopes == []
