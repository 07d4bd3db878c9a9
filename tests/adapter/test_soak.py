"""Soak: many invocations on one handler, memory flat after warm-up.

HATCHWAY_SOAK_INVOCATIONS sets the count (default 20,000, sized to run in
seconds); the opt-in long run is 100,000.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from typing import Any

import pytest

from hatchway import Adapter
from helpers import Context
from helpers.events import http_api, rest_api

# Not a subprocess, but seconds long: out of the quick loop too.
pytestmark = pytest.mark.subprocess

INVOCATIONS = int(os.environ.get("HATCHWAY_SOAK_INVOCATIONS", "20000"))
WARM_UP = 2000
#: Growth allowed after warm-up: well under the 1 MB the long run must stay within.
LIMIT = 512 * 1024


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await receive()
        scope["state"]["pool"] = object()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    message = await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"set-cookie", b"a=1")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"n": %d}' % len(message["body"])})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"), ("Set-Cookie", "a=1")])
    return [b'{"n": %d}' % len(body)]


@pytest.mark.parametrize("interface", ["asgi", "wsgi"])
def test_memory_is_flat_after_warm_up(interface: str) -> None:
    handler = Adapter(asgi_app if interface == "asgi" else wsgi_app)
    events = [http_api("/a", "POST", body=b"x" * 100, cookies=["s=1"]), rest_api("/b")]
    context = Context()

    def invoke(count: int) -> None:
        for i in range(count):
            result = handler(events[i % 2], context)
            assert result["statusCode"] == 200

    invoke(WARM_UP)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        invoke(INVOCATIONS)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"{interface}: {INVOCATIONS} invocations grew traced memory by {growth} bytes")
    assert growth < LIMIT, [str(s) for s in after.compare_to(before, "lineno")[:5]]
