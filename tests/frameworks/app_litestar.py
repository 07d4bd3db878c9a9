"""The contract app in Litestar: typed handlers, an on_startup hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, URLEncodedBody
from litestar.response import Redirect

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


@dataclass
class FormData:
    name: str
    note: str


@dataclass
class UploadData:
    label: str
    file: UploadFile


# The parameter is not called "name": url_for() takes the route's name as "name".
@get("/items/{key:str}", name="item")
async def item(key: FromPath[str]) -> dict[str, Any]:
    return {"name": key}


@get("/search")
async def search(q: FromQuery[str] = "", tag: FromQuery[list[str] | None] = None) -> dict[str, Any]:
    return {"q": q, "tags": tag or []}


@post("/echo", status_code=200)
async def echo(data: JSONBody[Any]) -> dict[str, Any]:
    return {"json": data}


@post("/form", status_code=200)
async def form(
    data: URLEncodedBody[FormData],
) -> dict[str, Any]:
    return {"name": data.name, "note": data.note}


@post("/upload", status_code=200)
async def upload(
    data: MultipartBody[UploadData],
) -> dict[str, Any]:
    content = await data.file.read()
    return {
        "label": data.label,
        "filename": data.file.filename,
        "size": len(content),
        "sha256": digest(content),
    }


@get("/download", media_type="application/octet-stream")
async def download() -> bytes:
    return DOWNLOAD


@get("/cookies")
async def cookies(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return Response(
        {"cookies": dict(request.cookies)},
        cookies=[Cookie(key=name, value=value) for name, value in SET_COOKIES],
    )


@get("/redirect", status_code=302)
async def redirect(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect(request.url_for("item", key=REDIRECT_TARGET), status_code=302)


@get("/url")
async def url(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {"url": request.url_for("item", key=LINK_TARGET)}


@get("/startup")
async def startup() -> dict[str, Any]:
    return {"startups": startups.count}


@get("/error")
async def error() -> None:
    raise RuntimeError("the error route failed, as it should")


app = Litestar(
    [item, search, echo, form, upload, download, cookies, redirect, url, startup, error],
    on_startup=[startups.started],
    # Litestar's default logging set-up installs a queue handler on the root
    # logger that outlives the test run and prints after pytest's summary.
    logging_config=None,
)
