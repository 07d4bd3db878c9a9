"""The public protocol for custom sources, and the worked example in
docs/custom-sources.md, run as written against an ASGI and a WSGI app."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import flask
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import hatchway
from hatchway import Adapter, InvalidEvent, Source, SourceOptions
from hatchway.testing import build_event, read_response
from helpers import AsgiRecorder, Context, WsgiRecorder

DOC = Path(__file__).resolve().parents[2] / "docs" / "custom-sources.md"
EXAMPLE_EVENT_RESULT = {"sku": "A-1", "dry_run": True, "caller": "billing"}


def doc_blocks() -> list[str]:
    """The ```python blocks of the guide, in order."""
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def fastapi_orders() -> FastAPI:
    app = FastAPI()

    @app.post("/orders")
    async def orders(request: Request) -> JSONResponse:
        order = await request.json()
        client = request.client.host if request.client else None
        response = JSONResponse(
            {**order, "dry_run": request.query_params.get("dry_run") == "1", "caller": client},
            status_code=201,
        )
        response.set_cookie("seen", "1")
        return response

    return app


def flask_orders() -> flask.Flask:
    app = flask.Flask("orders")

    @app.post("/orders")
    def orders() -> Any:
        request = flask.request
        body = {
            **request.get_json(),
            "dry_run": request.args.get("dry_run") == "1",
            "caller": request.remote_addr,
        }
        response = flask.jsonify(body)
        response.status_code = 201
        response.set_cookie("seen", "1")
        return response

    return app


def run_guide(app: Any) -> dict[str, Any]:
    """Execute the guide's code blocks in order, as a reader would, with ``app``
    and a Lambda ``context`` standing in for theirs."""
    namespace: dict[str, Any] = {"app": app, "context": Context(), "__name__": "guide"}
    for block in doc_blocks():
        exec(compile(block, str(DOC), "exec"), namespace)
    return namespace


def test_the_guide_has_the_three_blocks() -> None:
    assert len(doc_blocks()) == 3


@pytest.mark.parametrize("make_app", [fastapi_orders, flask_orders], ids=["fastapi", "flask"])
def test_worked_example_runs_as_documented(make_app: Any) -> None:
    namespace = run_guide(make_app())
    result = namespace["result"]
    assert result["status"] == 201
    assert result["base64"] is False
    assert json.loads(result["body"]) == EXAMPLE_EVENT_RESULT
    headers = {name.lower(): value for name, value in result["headers"]}
    assert headers["content-type"] == "application/json"
    assert headers["set-cookie"].startswith("seen=1;")
    assert isinstance(namespace["DirectInvoke"](), Source)


def test_example_source_maps_the_request_fields() -> None:
    namespace = run_guide(AsgiRecorder())
    app = AsgiRecorder()
    handler = Adapter(app, lifespan="off", sources=[namespace["DirectInvoke"]()])
    handler(
        {
            "direct": {
                "method": "get",
                "path": "/caf%C3%A9/a%2Fb",
                "query": "q=a%20b",
                "headers": {"X-Thing": "1"},
                "caller": "10.1.2.3",
            }
        },
        Context(),
    )
    scope = app.scope
    assert scope["method"] == "GET"
    assert (scope["path"], scope["raw_path"]) == ("/café/a/b", b"/caf%C3%A9/a%2Fb")
    assert scope["query_string"] == b"q=a%20b"
    assert scope["headers"] == [(b"x-thing", b"1")]
    assert scope["client"] == ("10.1.2.3", 0)
    assert scope["server"] == ("direct.internal", 443)


def test_example_source_errors() -> None:
    direct = run_guide(WsgiRecorder())["DirectInvoke"]()
    handler = Adapter(WsgiRecorder(), sources=[direct])
    with pytest.raises(InvalidEvent, match=r"direct\.path"):
        handler({"direct": {"method": "GET", "path": "relative"}}, Context())
    bad_body = {"method": "POST", "path": "/", "body": "%%%", "base64": True}
    assert handler({"direct": bad_body}, Context())["status"] == 400


class ClaimsEverything:
    """A custom source that claims HTTP API events: custom sources come first."""

    name = "claims-everything"

    def matches(self, event: hatchway.Event) -> bool:
        return True

    def parse(self, event: hatchway.Event, options: SourceOptions) -> hatchway.Request:
        return hatchway.Request(method="GET", path="/mine", raw_path=b"/mine")

    def render(
        self, response: hatchway.Response, event: hatchway.Event, options: SourceOptions
    ) -> dict[str, Any]:
        return {"mine": response.status}


def test_custom_sources_are_tried_before_the_built_in_ones() -> None:
    http_api = {
        "version": "2.0",
        "rawPath": "/x",
        "requestContext": {"http": {"method": "GET"}},
    }
    app = WsgiRecorder()
    handler = Adapter(app, sources=[ClaimsEverything()])
    assert handler.source_for(http_api).name == "claims-everything"
    assert handler(http_api, Context()) == {"mine": 200}
    assert app.environ["PATH_INFO"] == "/mine"


class NoRender:
    name = "no-render"

    def matches(self, event: hatchway.Event) -> bool:
        return False

    def parse(self, event: hatchway.Event, options: SourceOptions) -> hatchway.Request:
        raise AssertionError


def test_an_incomplete_source_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match="not an event source"):
        Adapter(WsgiRecorder(), sources=[NoRender()])  # type: ignore[list-item]


def test_public_names() -> None:
    for name in ("Source", "SourceOptions", "Event", "Request", "Response", "InvalidEvent"):
        assert name in hatchway.__all__
        assert getattr(hatchway, name) is not None
    assert hatchway.Source is hatchway.sources.Source


def test_a_custom_source_can_join_the_gateway_direction() -> None:
    direct = run_guide(WsgiRecorder())["DirectInvoke"]

    class DirectGateway(direct):  # type: ignore[misc,valid-type]
        def build_event(self, request: Any, settings: Any) -> dict[str, Any]:
            return {
                "direct": {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query,
                    "headers": dict(request.headers),
                    "body": request.body.decode(),
                    "caller": request.client[0],
                }
            }

        def read_response(self, result: Any, request: Any, settings: Any) -> hatchway.Response:
            return hatchway.Response(
                result["status"], [tuple(h) for h in result["headers"]], result["body"].encode()
            )

    source = DirectGateway()
    handler = Adapter(flask_orders(), sources=[source])
    event = build_event(source, "POST", "/orders?dry_run=1", json={"sku": "A-1"})
    response = read_response(source, handler(event, Context()))
    assert response.status == 201
    assert json.loads(response.body)["sku"] == "A-1"
