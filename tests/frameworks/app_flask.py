"""The contract app in Flask. Flask has no startup hook: the app factory is it."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, redirect, request, url_for

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


def create_app() -> Flask:
    app = Flask(__name__)
    startups.started()

    @app.get("/items/<name>")
    def item(name: str) -> dict[str, Any]:
        return {"name": name}

    @app.get("/search")
    def search() -> dict[str, Any]:
        return {"q": request.args.get("q", ""), "tags": request.args.getlist("tag")}

    @app.post("/echo")
    def echo() -> dict[str, Any]:
        return {"json": request.get_json()}

    @app.post("/form")
    def form() -> dict[str, Any]:
        return {"name": request.form["name"], "note": request.form["note"]}

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        file = request.files["file"]
        content = file.read()
        return {
            "label": request.form["label"],
            "filename": file.filename,
            "size": len(content),
            "sha256": digest(content),
        }

    @app.get("/download")
    def download() -> Response:
        return Response(DOWNLOAD, content_type="application/octet-stream")

    @app.get("/cookies")
    def cookies() -> Response:
        response = jsonify({"cookies": dict(request.cookies)})
        for name, value in SET_COOKIES:
            response.set_cookie(name, value)
        return response

    @app.get("/redirect")
    def to_item() -> Any:
        return redirect(url_for("item", name=REDIRECT_TARGET))

    @app.get("/url")
    def url() -> dict[str, Any]:
        return {"url": url_for("item", name=LINK_TARGET, _external=True)}

    @app.get("/startup")
    def startup() -> dict[str, Any]:
        return {"startups": startups.count}

    @app.get("/error")
    def error() -> None:
        raise RuntimeError("the error route failed, as it should")

    return app


app = create_app()
