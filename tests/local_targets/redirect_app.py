"""A Starlette app that redirects, for the local-links tests: ``/old`` answers
307 to the absolute URL of ``/new`` (built from the request, as
``url_for`` does), and ``/folder`` gets Starlette's own slash redirect."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route


async def old(request: Request) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("new")), status_code=307)


async def new(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"new page, reached as {request.url}")


async def folder(request: Request) -> PlainTextResponse:
    return PlainTextResponse("folder index")


app = Starlette(
    routes=[
        Route("/old", old),
        Route("/new", new, name="new"),
        Route("/folder/", folder),
    ]
)
