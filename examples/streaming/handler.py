"""A FastAPI app that streams through a Function URL: ``handler.handler`` is the
entry point, run by hatchway's runtime loop (see template.yaml and docs/streaming.md).

``/events`` is a server-sent event stream: each event reaches the browser as
soon as the app yields it. ``/report`` streams a long plain-text report.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from hatchway import Adapter

app = FastAPI()


@app.get("/")
async def index() -> dict[str, str]:
    # An ordinary response: it is streamed too, in one piece.
    return {"message": "Hello from a streaming FastAPI app", "events": "/events"}


@app.get("/events")
async def events(count: int = 10) -> StreamingResponse:
    async def stream() -> AsyncIterator[str]:
        for number in range(1, min(count, 100) + 1):
            yield f"id: {number}\ndata: tick {number}\n\n"
            await asyncio.sleep(0.5)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


@app.get("/report")
async def report(lines: int = 1000) -> StreamingResponse:
    async def stream() -> AsyncIterator[bytes]:
        for number in range(min(lines, 100_000)):
            yield f"line {number}: {'.' * 60}\n".encode()

    response = StreamingResponse(stream(), media_type="text/plain")
    response.set_cookie("last-report", str(lines))
    return response


# streaming=True: Function URL events get streamed responses when the function
# runs under `python -m hatchway.runtime` (the exec wrapper in template.yaml).
handler = Adapter(app, streaming=True)
