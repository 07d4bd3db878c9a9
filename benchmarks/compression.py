"""What ``Adapter(compress=True)`` costs: a 1 MB JSON response to a client that
accepts gzip, timed with compression off and on (interleaved rounds, medians).

Its own table, not a case of ``run.py``: the two answers differ on purpose (one
is gzip), while every case there checks that the contenders answer alike.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from hatchway import Adapter
from hatchway.testing import LambdaContext

from .timing import Contender, interleave, median

#: About 1 MB of JSON rows, as an API listing would send.
BODY = json.dumps(
    [
        {"id": i, "name": f"item {i}", "status": "active", "tags": ["a", "b"], "price": i % 100}
        for i in range(14_000)
    ]
).encode()

_HEADERS = [("content-type", "application/json"), ("content-length", str(len(BODY)))]

EVENT: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/items",
    "rawQueryString": "",
    "headers": {"host": "api.example.com", "accept-encoding": "gzip, deflate, br"},
    "requestContext": {
        "domainName": "api.example.com",
        "http": {"method": "GET", "path": "/items", "sourceIp": "203.0.113.9"},
        "requestId": "c0ffee00-0000-4000-8000-000000000000",
        "stage": "$default",
    },
    "isBase64Encoded": False,
}


async def json_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = [(name.encode(), value.encode()) for name, value in _HEADERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def json_wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", list(_HEADERS))
    return [BODY]


def measure(rounds: int, round_seconds: float) -> list[tuple[str, float, float, int, int]]:
    """``(interface, ms off, ms on, bytes off, bytes on)`` per interface."""
    rows = []
    context = LambdaContext()
    for interface, app in (("ASGI", json_asgi), ("WSGI", json_wsgi)):
        print(f"timing compression, {interface} ...", file=sys.stderr, flush=True)
        off = Contender("off", Adapter(app), EVENT, context)
        on = Contender("on", Adapter(app, compress=True), EVENT, context)
        sizes = [len(json.dumps(c.call())) for c in (off, on)]
        samples = interleave([off, on], rounds=rounds, round_seconds=round_seconds)
        rows.append(
            (
                interface,
                median(samples["off"]) * 1e3,
                median(samples["on"]) * 1e3,
                sizes[0],
                sizes[1],
            )
        )
    return rows


def render(rows: list[tuple[str, float, float, int, int]], rounds: int) -> list[str]:
    lines = [
        "## Compression",
        "",
        f"`Adapter(app)` and `Adapter(app, compress=True)` answering a {len(BODY) / 1e6:.2f} MB"
        " JSON response to an HTTP API v2 request with `Accept-Encoding: gzip`; medians of"
        f" {rounds} interleaved rounds. The result is what the handler returns to Lambda.",
        "",
        "| app | off, ms | on, ms | on ÷ off | result off, bytes | result on, bytes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for interface, ms_off, ms_on, size_off, size_on in rows:
        lines.append(
            f"| {interface} | {ms_off:.2f} | {ms_on:.2f} | {ms_on / ms_off:.2f} | "
            f"{size_off:,} | {size_on:,} |"
        )
    return lines
