"""A Flask app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from flask import Flask, request, url_for

from hatchway import Adapter

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, str]:
    return {"message": "Hello from Flask", "self": url_for("index", _external=True)}


@app.get("/items/<name>")
def item(name: str) -> dict[str, str | None]:
    return {"name": name, "q": request.args.get("q")}


handler = Adapter(app)
