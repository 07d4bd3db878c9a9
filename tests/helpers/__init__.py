"""Test helpers: the real AWS sample events, a Lambda context, recording apps.

The other helpers are modules of this package: ``events`` (small hand-made
events), ``mapping`` (one event through an ASGI and a WSGI app), ``echo_apps``,
``local_process`` (``hatchway serve`` in a subprocess), ``django_site``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

#: Real sample events live beside the checkout (../shared); a user's clone has none.
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "aws-events"


def sample_params(*folders: str) -> list[Any]:
    """One pytest param per sample event file in ``folders``; a single skipped
    param when the samples folder is absent."""
    if not SAMPLES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SAMPLES} is absent"))]
    params = []
    for folder in folders:
        for path in sorted((SAMPLES / folder).glob("*.json")):
            params.append(pytest.param(path, id=f"{folder}/{path.stem}"))
    return params


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


class Context:
    """The attributes of the Lambda context object that hatchway reads."""

    def __init__(self, request_id: str = "req-1") -> None:
        self.aws_request_id = request_id
        self.function_name = "test-function"


class AsgiRecorder:
    """An ASGI app that records each scope and body and answers as told."""

    def __init__(
        self,
        status: int = 200,
        headers: Iterable[tuple[bytes, bytes]] = ((b"content-type", b"text/plain"),),
        body: bytes = b"ok",
    ) -> None:
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.scopes: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    @property
    def scope(self) -> dict[str, Any]:
        return self.scopes[-1]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan here")
        message = await receive()
        self.scopes.append(scope)
        self.bodies.append(message["body"])
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


class WsgiRecorder:
    """A WSGI app that records each environ and body and answers as told."""

    def __init__(
        self,
        status: str = "200 OK",
        headers: Iterable[tuple[str, str]] = (("Content-Type", "text/plain"),),
        body: bytes = b"ok",
    ) -> None:
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.environs: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    @property
    def environ(self) -> dict[str, Any]:
        return self.environs[-1]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.environs.append(environ)
        self.bodies.append(environ["wsgi.input"].read())
        start_response(self.status, self.headers)
        return [self.body]
