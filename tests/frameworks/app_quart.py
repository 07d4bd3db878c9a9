"""The contract app in Quart: Flask's API on ASGI, a before_serving hook."""

from __future__ import annotations

from typing import Any

from quart import Quart, Response, jsonify, redirect, request, url_for

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()
app = Quart(__name__)


@app.before_serving
async def on_startup() -> None:
    startups.started()


@app.get("/items/<name>")
async def item(name: str) -> dict[str, Any]:
    return {"name": name}


@app.get("/search")
async def search() -> dict[str, Any]:
    return {"q": request.args.get("q", ""), "tags": request.args.getlist("tag")}


@app.post("/echo")
async def echo() -> dict[str, Any]:
    return {"json": await request.get_json()}


@app.post("/form")
async def form() -> dict[str, Any]:
    data = await request.form
    return {"name": data["name"], "note": data["note"]}


@app.post("/upload")
async def upload() -> dict[str, Any]:
    data = await request.form
    file = (await request.files)["file"]
    content = file.read()
    return {
        "label": data["label"],
        "filename": file.filename,
        "size": len(content),
        "sha256": digest(content),
    }


@app.get("/download")
async def download() -> Response:
    return Response(DOWNLOAD, content_type="application/octet-stream")


@app.get("/cookies")
async def cookies() -> Response:
    response = jsonify({"cookies": dict(request.cookies)})
    for name, value in SET_COOKIES:
        response.set_cookie(name, value)
    return response


@app.get("/redirect")
async def to_item() -> Any:
    return redirect(url_for("item", name=REDIRECT_TARGET))


@app.get("/url")
async def url() -> dict[str, Any]:
    return {"url": url_for("item", name=LINK_TARGET, _external=True)}


@app.get("/startup")
async def startup() -> dict[str, Any]:
    return {"startups": startups.count}


@app.get("/error")
async def error() -> None:
    raise RuntimeError("the error route failed, as it should")
