"""A Quart app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from quart import Quart, request, url_for

from hatchway import Adapter

app = Quart(__name__)


@app.before_serving
async def startup() -> None:
    # Runs once per execution environment (hatchway drives the ASGI lifespan).
    app.config["GREETING"] = "Hello"


@app.get("/")
async def index() -> dict[str, str]:
    return {
        "message": f"{app.config['GREETING']} from Quart",
        "self": url_for("index", _external=True),
    }


@app.get("/items/<name>")
async def item(name: str) -> dict[str, str | None]:
    return {"name": name, "q": request.args.get("q")}


handler = Adapter(app)
