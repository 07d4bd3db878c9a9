"""Real FastAPI, Starlette, Flask and Django apps through the Adapter.

The full framework matrix lives in tests/frameworks; these are the core checks
that every framework must pass: routing, URL generation under a REST stage, cookies, binary bodies.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from hatchway import Adapter
from helpers import Context
from helpers.events import http_api, rest_api


def fastapi_app() -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        app.state.started = getattr(app.state, "started", 0) + 1
        yield {"greeting": "hello"}

    app = FastAPI(lifespan=lifespan)

    @app.get("/items/{name}")
    async def item(name: str, request: Request, response: Response, q: str = "") -> dict[str, Any]:
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return {
            "name": name,
            "q": q,
            "url": str(request.url_for("item", name=name)),
            "greeting": request.state.greeting,
            "started": request.app.state.started,
        }

    @app.put("/echo")
    async def echo(request: Request) -> Response:
        return Response(await request.body(), media_type="application/octet-stream")

    return app


def test_fastapi_under_a_rest_stage() -> None:
    handler = Adapter(fastapi_app())
    event = rest_api("/items/caf%C3%A9")
    event["multiValueQueryStringParameters"] = {"q": ["a b"]}
    for _ in range(3):
        result = handler(event, Context())
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {
        "name": "café",
        "q": "a b",
        "url": "https://abc.execute-api.us-east-1.amazonaws.com/prod/items/café",  # Starlette's
        "greeting": "hello",
        "started": 1,
    }
    assert result["multiValueHeaders"]["set-cookie"] == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]


def test_fastapi_binary_round_trip_and_404() -> None:
    handler = Adapter(fastapi_app())
    payload = bytes(range(256))
    result = handler(http_api("/echo", "PUT", body=payload), Context())
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == payload
    missing = handler(http_api("/nope"), Context())
    assert missing["statusCode"] == 404
    assert json.loads(missing["body"]) == {"detail": "Not Found"}


def test_starlette_url_for_under_http_api_stage() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.url_for("page", slug=request.path_params["slug"])))

    app = Starlette(routes=[Route("/pages/{slug}", page, name="page")])
    # A named stage is in the path on the API's own execute-api domain only.
    domain = "abc123.execute-api.us-east-1.amazonaws.com"
    event = http_api("/dev/pages/x", headers={"host": domain})
    event["requestContext"].update(stage="dev", domainName=domain)
    result = Adapter(app)(event, Context())
    assert (result["statusCode"], result["body"]) == (200, f"https://{domain}/dev/pages/x")


def test_flask_under_a_rest_stage_with_redirect_and_cookies() -> None:
    from flask import Flask, redirect, request, url_for

    app = Flask(__name__)

    @app.get("/old")
    def old() -> Any:
        return redirect(url_for("new", name="ü"))

    @app.get("/new/<name>")
    def new(name: str) -> Any:
        response = app.make_response({"name": name, "url": request.url, "cookie": request.cookies})
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    handler = Adapter(app)
    moved = handler(rest_api("/old"), Context())
    assert moved["statusCode"] == 302
    assert moved["headers"]["Location"] == "/prod/new/%C3%BC"
    event = rest_api("/new/%C3%BC")
    event["headers"]["Cookie"] = "session=s1"
    result = handler(event, Context())
    assert json.loads(result["body"]) == {
        "name": "ü",
        "url": "https://abc.execute-api.us-east-1.amazonaws.com/prod/new/ü",  # werkzeug: an IRI
        "cookie": {"session": "s1"},
    }
    assert result["multiValueHeaders"]["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]


@pytest.mark.subprocess
def test_django_wsgi_and_asgi() -> None:
    """Both Django handlers, in a process of their own (settings are per process)."""
    code = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).parents[1] / "helpers")!r})
        import django_site
        from django.core.handlers.asgi import ASGIHandler
        from django.core.handlers.wsgi import WSGIHandler
        from events import rest_api
        from hatchway import Adapter

        out = {{}}
        for kind, app in (("wsgi", WSGIHandler()), ("asgi", ASGIHandler())):
            adapter = Adapter(app)
            event = rest_api("/items/caf%C3%A9")
            event["headers"]["Cookie"] = "session=s1"
            result = adapter(event, None)
            upload = rest_api("/upload", "POST")
            upload["body"], upload["isBase64Encoded"] = "AAEC", True
            echoed = adapter(upload, None)
            out[kind] = {{
                "interface": adapter.interface,
                "status": result["statusCode"],
                "body": json.loads(result["body"]),
                "cookies": result["multiValueHeaders"]["Set-Cookie"],
                "upload": [echoed["body"], echoed["isBase64Encoded"]],
            }}
            out[kind + "-finished"] = len(django_site.finished)
        print(json.dumps(out))
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    for kind in ("wsgi", "asgi"):
        assert out[kind]["interface"] == kind
        assert out[kind]["status"] == 200
        assert out[kind]["body"] == {
            "name": "café",
            "url": "https://abc.execute-api.us-east-1.amazonaws.com/prod/items/caf%C3%A9",
            "path": "/prod/items/café",
            "path_info": "/items/café",
            "cookie": "s1",
            "ip": "203.0.113.9",
        }
        assert [c.split(";")[0] for c in out[kind]["cookies"]] == ["a=1", "b=2"]
        assert out[kind]["upload"] == ["AgEA", True]
    # request_finished fired for every WSGI request: the iterable was closed.
    assert out["wsgi-finished"] == 2
    assert out["asgi-finished"] == 4
