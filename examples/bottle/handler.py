"""A Bottle app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from urllib.parse import urljoin

from bottle import Bottle, request

from hatchway import Adapter

app = Bottle()


@app.get("/", name="index")
def index() -> dict[str, str]:
    # get_url() includes SCRIPT_NAME: the API Gateway stage or base path.
    return {"message": "Hello from Bottle", "self": urljoin(request.url, app.get_url("index"))}


@app.get("/items/<name>")
def item(name: str) -> dict[str, str | None]:
    return {"name": name, "q": request.query.decode().get("q")}


handler = Adapter(app)
