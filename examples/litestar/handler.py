"""A Litestar app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from litestar import Litestar, Request, get
from litestar.params import FromPath, FromQuery

from hatchway import Adapter


@get("/", name="index")
async def index(request: Request) -> dict[str, str]:  # type: ignore[type-arg]
    return {"message": "Hello from Litestar", "self": request.url_for("index")}


@get("/items/{key:str}")
async def item(key: FromPath[str], q: FromQuery[str | None] = None) -> dict[str, str | None]:
    return {"name": key, "q": q}


app = Litestar([index, item])

handler = Adapter(app)
