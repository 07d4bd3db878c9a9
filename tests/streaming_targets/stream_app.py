"""A FastAPI app with streamed endpoints, for the streaming tests.

Endpoints that stream wait, between their first and second piece, until the
file named by ``?signal=`` exists (at most five seconds, then they say so):
the test creates it only after the first piece reached its HTTP client.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response, StreamingResponse

app = FastAPI()

SIGNAL_WAIT_SECONDS = 5.0


async def _signalled(path: str | None) -> bool:
    """Whether the test's signal file appeared in time."""
    if not path:
        return True
    deadline = time.monotonic() + SIGNAL_WAIT_SECONDS
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        await asyncio.sleep(0.01)
    return False


def pattern(count: int) -> list[bytes]:
    """``count`` binary chunks of varied sizes, NULs and high bytes included."""
    digests = (hashlib.sha256(str(i).encode()).digest() for i in range(count))
    return [digest * (1 + i % 7) + b"\0\xff" for i, digest in enumerate(digests)]


@app.get("/stream")
async def stream(signal: str | None = None) -> StreamingResponse:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"first piece\n"
        yield b"second piece\n" if await _signalled(signal) else b"no signal came\n"
        yield b"last piece\n"

    response = StreamingResponse(pieces(), media_type="text/plain", headers={"x-stream": "yes"})
    response.set_cookie("session", "abc")
    response.set_cookie("theme", "dark")
    return response


@app.get("/sse")
async def sse(signal: str | None = None) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        yield "event: greeting\ndata: one\n\n"
        second = "two" if await _signalled(signal) else "no signal came"
        yield f"data: {second}\n\n"
        yield "data: three\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


@app.get("/binary")
async def binary(count: int = 50) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for chunk in pattern(count):
            yield chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/broken")
async def broken() -> StreamingResponse:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"partial "
        raise RuntimeError("the stream broke on purpose")

    return StreamingResponse(pieces(), media_type="text/plain")


@app.get("/fails-early")
async def fails_early() -> Response:
    raise RuntimeError("failed before any byte")


@app.get("/json")
async def json_answer() -> JSONResponse:
    response = JSONResponse({"hello": "wörld", "n": [1, 2]}, headers={"vary": "accept"})
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response
