"""A module-level ``handler = Adapter(app, warmup=["/warm"])`` whose app writes
each lifecycle step to the file ``LIFECYCLE_LOG`` names, for the runtime tests.

``LIFECYCLE_STARTUP``: the Adapter's ``startup`` option; ``LIFECYCLE_STARTUP_SECONDS``:
how long each startup takes; ``LIFECYCLE_FAIL_STARTUP=N``: the Nth startup fails;
``LIFECYCLE_FAIL_SHUTDOWN``: shutdown fails; ``LIFECYCLE_FAIL_WARMUP``: the
warm-up request raises.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
from typing import Any

from hatchway import Adapter

LOG = os.environ["LIFECYCLE_LOG"]
startups = 0


def record(line: str) -> None:
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(f"app {line}\n")


def random_state() -> str:
    return hashlib.sha256(repr(random.getstate()).encode()).hexdigest()[:16]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global startups
    if scope["type"] == "lifespan":
        await receive()
        startups += 1
        record(f"startup pid={os.getpid()} random={random_state()}")
        await asyncio.sleep(float(os.environ.get("LIFECYCLE_STARTUP_SECONDS", "0")))
        if os.environ.get("LIFECYCLE_FAIL_STARTUP") == str(startups):
            await send({"type": "lifespan.startup.failed", "message": "database down"})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()
        record(f"shutdown random={random_state()}")
        if os.environ.get("LIFECYCLE_FAIL_SHUTDOWN"):
            await send({"type": "lifespan.shutdown.failed", "message": "pool stuck"})
            return
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    warm = scope.get("hatchway.warmup", False)
    record(f"request {scope['path']} warmup={warm}")
    if warm and os.environ.get("LIFECYCLE_FAIL_WARMUP"):
        raise RuntimeError("the warm-up fails on purpose")
    body = json.dumps({"path": scope["path"], "random": random.random()}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


handler = Adapter(
    app,
    warmup=["/warm"],
    startup=os.environ.get("LIFECYCLE_STARTUP", "auto"),  # type: ignore[arg-type]
)
