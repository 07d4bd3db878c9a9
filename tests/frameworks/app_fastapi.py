"""The contract app in FastAPI: lifespan startup, dependency-free handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    startups.started()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/items/{name}", name="item")
async def item(name: str) -> dict[str, Any]:
    return {"name": name}


@app.get("/search")
async def search(q: str = "", tag: Annotated[list[str], Query()] = []) -> dict[str, Any]:  # noqa: B006
    return {"q": q, "tags": tag}


@app.post("/echo")
async def echo(request: Request) -> dict[str, Any]:
    return {"json": await request.json()}


@app.post("/form")
async def form(name: Annotated[str, Form()], note: Annotated[str, Form()]) -> dict[str, Any]:
    return {"name": name, "note": note}


@app.post("/upload")
async def upload(
    label: Annotated[str, Form()], file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    data = await file.read()
    return {"label": label, "filename": file.filename, "size": len(data), "sha256": digest(data)}


@app.get("/download")
async def download() -> Response:
    return Response(DOWNLOAD, media_type="application/octet-stream")


@app.get("/cookies")
async def cookies(request: Request, response: Response) -> dict[str, Any]:
    for name, value in SET_COOKIES:
        response.set_cookie(name, value)
    return {"cookies": dict(request.cookies)}


@app.get("/redirect")
async def redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("item", name=REDIRECT_TARGET)), status_code=302)


@app.get("/url")
async def url(request: Request) -> dict[str, Any]:
    return {"url": str(request.url_for("item", name=LINK_TARGET))}


@app.get("/startup")
async def startup() -> dict[str, Any]:
    return {"startups": startups.count}


@app.get("/error")
async def error() -> None:
    raise RuntimeError("the error route failed, as it should")
