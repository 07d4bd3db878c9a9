"""The contract app in plain Starlette: a route table and a lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    startups.started()
    yield


async def item(request: Request) -> Response:
    return JSONResponse({"name": request.path_params["name"]})


async def search(request: Request) -> Response:
    query = request.query_params
    return JSONResponse({"q": query.get("q", ""), "tags": query.getlist("tag")})


async def echo(request: Request) -> Response:
    return JSONResponse({"json": await request.json()})


async def form(request: Request) -> Response:
    async with request.form() as data:
        return JSONResponse({"name": data["name"], "note": data["note"]})


async def upload(request: Request) -> Response:
    async with request.form() as data:
        file = data["file"]
        assert isinstance(file, UploadFile)
        content = await file.read()
        return JSONResponse(
            {
                "label": data["label"],
                "filename": file.filename,
                "size": len(content),
                "sha256": digest(content),
            }
        )


async def download(request: Request) -> Response:
    return Response(DOWNLOAD, media_type="application/octet-stream")


async def cookies(request: Request) -> Response:
    response = JSONResponse({"cookies": dict(request.cookies)})
    for name, value in SET_COOKIES:
        response.set_cookie(name, value)
    return response


async def redirect(request: Request) -> Response:
    return RedirectResponse(request.url_for("item", name=REDIRECT_TARGET), status_code=302)


async def url(request: Request) -> Response:
    return JSONResponse({"url": str(request.url_for("item", name=LINK_TARGET))})


async def startup(request: Request) -> Response:
    return JSONResponse({"startups": startups.count})


async def error(request: Request) -> Response:
    raise RuntimeError("the error route failed, as it should")


app = Starlette(
    routes=[
        Route("/items/{name}", item, name="item"),
        Route("/search", search),
        Route("/echo", echo, methods=["POST"]),
        Route("/form", form, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/download", download),
        Route("/cookies", cookies),
        Route("/redirect", redirect),
        Route("/url", url),
        Route("/startup", startup),
        Route("/error", error),
    ],
    lifespan=lifespan,
)
