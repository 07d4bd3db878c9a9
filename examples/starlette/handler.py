"""A Starlette app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hatchway import Adapter


async def index(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello from Starlette", "self": str(request.url_for("index"))})


async def item(request: Request) -> JSONResponse:
    return JSONResponse({"name": request.path_params["name"], "q": request.query_params.get("q")})


app = Starlette(routes=[Route("/", index, name="index"), Route("/items/{name}", item)])

handler = Adapter(app)
