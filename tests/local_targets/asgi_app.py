"""The ASGI app the local-gateway tests serve (Starlette: quick to import)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

#: Lifespan startups in this process: must stay 1 however many requests come.
STARTUPS = 0


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    global STARTUPS
    STARTUPS += 1
    yield {"started_in": os.getpid()}


async def item(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "name": request.path_params["name"],
            "tags": request.query_params.getlist("tag"),
            "cookies": dict(request.cookies),
        }
    )


async def json_echo(request: Request) -> JSONResponse:
    return JSONResponse({"received": await request.json()}, status_code=201)


async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type=request.headers["content-type"])


async def cookies(request: Request) -> Response:
    response = PlainTextResponse("two cookies")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


async def link(request: Request) -> JSONResponse:
    return JSONResponse({"url": str(request.url_for("item", name="x"))})


async def whoami(request: Request) -> JSONResponse:
    await asyncio.sleep(int(request.query_params.get("sleep_ms", "0")) / 1000)
    return JSONResponse(
        {"pid": os.getpid(), "startups": STARTUPS, "started_in": request.state.started_in}
    )


app = Starlette(
    routes=[
        Route("/items/{name}", item, name="item"),
        Route("/json", json_echo, methods=["POST"]),
        Route("/echo", echo, methods=["POST"]),
        Route("/cookies", cookies),
        Route("/link", link),
        Route("/whoami", whoami),
    ],
    lifespan=lifespan,
)
