"""A FastAPI app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from hatchway import Adapter


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
    # Runs once per execution environment, not once per request: open pools here.
    yield {"greeting": "Hello"}


app = FastAPI(lifespan=lifespan)


@app.get("/")
async def index(request: Request) -> dict[str, str]:
    return {
        "message": f"{request.state.greeting} from FastAPI",
        "docs": str(request.url_for("swagger_ui_html")),
    }


@app.get("/items/{name}")
async def item(name: str, q: str | None = None) -> dict[str, str | None]:
    return {"name": name, "q": q}


handler = Adapter(app)
