"""FastAPI and Flask apps answering ``GET /items/{id}`` with a small JSON body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from flask import Flask, jsonify, request

__all__ = ["fastapi_app", "fastapi_with_client", "flask_app"]


@asynccontextmanager
async def _open_client(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    # The usual reason for a lifespan: one HTTP client for the process.
    async with httpx.AsyncClient(base_url="https://upstream.invalid") as client:
        yield {"upstream": client}


def fastapi_with_client() -> FastAPI:
    """A FastAPI app whose lifespan opens an httpx client that routes use."""
    app = FastAPI(lifespan=_open_client)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, request: Request, q: str | None = None) -> dict[str, Any]:
        client: httpx.AsyncClient = request.state.upstream
        return {"item_id": item_id, "q": q, "client_open": not client.is_closed}

    return app


def fastapi_app() -> FastAPI:
    """The same route without a lifespan."""
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "client_open": True}

    return app


def flask_app() -> Flask:
    """The same route in Flask."""
    app = Flask("bench")

    @app.get("/items/<int:item_id>")
    def read_item(item_id: int) -> Any:
        return jsonify(item_id=item_id, q=request.args.get("q"), client_open=True)

    return app
