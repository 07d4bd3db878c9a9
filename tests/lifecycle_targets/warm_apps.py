"""FastAPI and Flask apps that tell a warm-up (``hatchway.warmup``) from a real request."""

from typing import Any

import fastapi
import flask
import pydantic

WARMUP_KEY = "hatchway.warmup"


class Item(pydantic.BaseModel):
    name: str
    price: float


api = fastapi.FastAPI()
#: Names of the items real requests stored; warm-ups store nothing.
stored: list[str] = []


@api.post("/items")
async def create(item: Item, request: fastapi.Request) -> dict[str, Any]:
    warm = bool(request.scope.get(WARMUP_KEY))
    if not warm:
        stored.append(item.name)
    return {"name": item.name, "warm-up": warm}


web = flask.Flask(__name__)
#: Per request to /health: whether it was a warm-up.
seen: list[bool] = []


@web.get("/health")
def health() -> str:
    seen.append(bool(flask.request.environ.get(WARMUP_KEY)))
    return "ok"
