"""A Flask app for the local-gateway tests: the WSGI path, and url_for under a stage."""

from __future__ import annotations

from flask import Flask, jsonify, request, url_for
from flask.typing import ResponseReturnValue

app = Flask(__name__)


@app.get("/items/<name>")
def item(name: str) -> ResponseReturnValue:
    return jsonify(name=name, tags=request.args.getlist("tag"), link=url_for("item", name="x"))


@app.get("/slow")
def slow() -> ResponseReturnValue:
    import time

    seconds = min(float(request.args.get("seconds", "2")), 5.0)
    time.sleep(seconds)
    return f"slept {seconds:g} s"
