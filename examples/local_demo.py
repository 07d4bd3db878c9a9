"""A small FastAPI app to try ``hatchway serve`` on: the Lambda path, locally.

    pip install -e '.[local,examples]'
    hatchway serve examples/local_demo.py:app --source apigw-rest --stage prod

then open http://127.0.0.1:8000/prod/ . Every request becomes the event API
Gateway would send, runs through ``Adapter(app)``, and the response dict is
read back as API Gateway would: try ``--source alb``, ``--show-events`` or
``--runtime ric`` (the handler inside the real awslambdaric).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response

from hatchway import Adapter


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    # Runs once per Lambda execution environment, not once per request.
    yield {"greeting": "hello"}


app = FastAPI(title="hatchway local demo", lifespan=lifespan)


@app.get("/")
async def index(request: Request) -> dict[str, Any]:
    """Where the app is mounted, and links it builds for itself."""
    return {
        "greeting": request.state.greeting,
        "root_path": request.scope.get("root_path", ""),
        "links": {
            "hello": str(request.url_for("hello", name="wörld")),
            "docs": str(request.url_for("swagger_ui_html")),
        },
    }


@app.get("/hello/{name}")
async def hello(name: str, request: Request) -> dict[str, Any]:
    """Path and repeated query parameters, as the app sees them."""
    return {"hello": name, "tags": request.query_params.getlist("tag")}


@app.post("/echo")
async def echo(request: Request) -> Response:
    """The request body back, byte for byte, with its content type."""
    body = await request.body()
    media_type = request.headers.get("content-type", "application/octet-stream")
    return Response(body, media_type=media_type)


@app.get("/cookies")
async def cookies(request: Request) -> Response:
    """The cookies sent, and two new ones set."""
    response = Response(str(dict(request.cookies)), media_type="text/plain")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


handler = Adapter(app)
