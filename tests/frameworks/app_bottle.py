"""The contract app in Bottle. Bottle has no startup hook: the app factory is it.

Bottle hands out PEP 3333 native strings; ``.decode()`` turns its form and
query dicts into real text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import bottle
from bottle import Bottle, HTTPResponse, request, response

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


def create_app() -> Bottle:
    app = Bottle()
    startups.started()

    @app.get("/items/<name>", name="item")
    def item(name: str) -> dict[str, Any]:
        return {"name": name}

    @app.get("/search")
    def search() -> dict[str, Any]:
        query = request.query.decode()
        return {"q": query.get("q", ""), "tags": query.getall("tag")}

    @app.post("/echo")
    def echo() -> dict[str, Any]:
        return {"json": request.json}

    @app.post("/form")
    def form() -> dict[str, Any]:
        data = request.forms.decode()
        return {"name": data["name"], "note": data["note"]}

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        file = request.files["file"]
        content = file.file.read()
        return {
            "label": request.forms.decode()["label"],
            "filename": file.raw_filename,
            "size": len(content),
            "sha256": digest(content),
        }

    @app.get("/download")
    def download() -> HTTPResponse:
        return HTTPResponse(DOWNLOAD, headers={"Content-Type": "application/octet-stream"})

    @app.get("/cookies")
    def cookies() -> dict[str, Any]:
        for name, value in SET_COOKIES:
            response.set_cookie(name, value)
        return {"cookies": {k: request.get_cookie(k) for k in request.cookies}}

    @app.get("/redirect")
    def to_item() -> None:
        bottle.redirect(app.get_url("item", name=REDIRECT_TARGET), 302)

    @app.get("/url")
    def url() -> dict[str, Any]:
        return {"url": urljoin(request.url, app.get_url("item", name=LINK_TARGET))}

    @app.get("/startup")
    def startup() -> dict[str, Any]:
        return {"startups": startups.count}

    @app.get("/error")
    def error() -> None:
        raise RuntimeError("the error route failed, as it should")

    return app


app = create_app()
