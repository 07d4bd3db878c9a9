"""Framework-free apps: the smallest ASGI and WSGI apps, and 4 MiB binary ones.

Nothing here imports asyncio, so a fresh process can check that the WSGI path
never loads it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "BINARY_BODY",
    "binary_asgi",
    "binary_wsgi",
    "minimal_asgi",
    "minimal_wsgi",
    "text_asgi",
    "text_body",
]

_TEXT = b"Hello, world!"
_TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]

#: 4 MiB of incompressible bytes, the same every run.
BINARY_BODY = random.Random(8).randbytes(4 * 1024 * 1024)
_BINARY_HEADERS = [
    (b"content-type", b"application/octet-stream"),
    (b"content-length", str(len(BINARY_BODY)).encode()),
]


async def minimal_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the request, answers 13 bytes of text; ignores lifespan (returns)."""
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": _TEXT_HEADERS})
    await send({"type": "http.response.body", "body": _TEXT})


async def binary_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers 4 MiB of ``application/octet-stream`` in one body message."""
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": _BINARY_HEADERS})
    await send({"type": "http.response.body", "body": BINARY_BODY})


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def minimal_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answers 13 bytes of text."""
    start_response(
        "200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "13")]
    )
    return [_TEXT]


def binary_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answers 4 MiB of ``application/octet-stream``."""
    start_response(
        "200 OK",
        [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BINARY_BODY)))],
    )
    return [BINARY_BODY]


_LINE = "The quick brown fox jumps over the lazy dog; 0123456789.\n"


def text_body(size: int) -> bytes:
    """``size`` bytes of plain ASCII text in lines (each newline is escaped in JSON)."""
    text = _LINE * (size // len(_LINE) + 1)
    return text[:size].encode("ascii")


def text_asgi(size: int) -> Any:
    """An ASGI app answering ``size`` bytes of ``text/plain`` in one body message."""
    body = text_body(size)
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % size)]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
