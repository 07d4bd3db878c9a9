"""Run one event through an ASGI and a WSGI recorder and compare both views of the request."""

from __future__ import annotations

from typing import Any

from hatchway import Adapter

from . import AsgiRecorder, Context, WsgiRecorder


class Seen:
    """What the app saw, in the terms a test row states: the ASGI scope's
    fields, checked against the WSGI environ for the same request."""

    def __init__(self, scope: dict[str, Any], environ: dict[str, Any], body: bytes) -> None:
        self.scope = scope
        self.environ = environ
        self.body = body
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.raw_path: bytes = scope["raw_path"]
        self.root_path: str = scope["root_path"]
        self.query: bytes = scope["query_string"]
        self.headers: list[tuple[bytes, bytes]] = scope["headers"]
        self.client = scope["client"]
        self.server = scope["server"]
        self.scheme: str = scope["scheme"]

    def header(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k == name]


def _wsgi_text(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def through_both(event: dict[str, Any], **options: Any) -> Seen:
    """Send ``event`` to both interfaces; assert the WSGI environ agrees with the scope."""
    asgi, wsgi = AsgiRecorder(), WsgiRecorder()
    Adapter(asgi, lifespan="off", **options)(event, Context())
    Adapter(wsgi, **options)(event, Context())
    seen = Seen(asgi.scope, wsgi.environ, asgi.bodies[-1])
    environ = wsgi.environ
    assert environ["REQUEST_METHOD"] == seen.method
    assert environ["SCRIPT_NAME"] == _wsgi_text(seen.root_path)
    assert environ["SCRIPT_NAME"] + environ["PATH_INFO"] == _wsgi_text(seen.path)
    assert environ["QUERY_STRING"] == seen.query.decode("latin-1")
    assert environ["wsgi.url_scheme"] == seen.scheme
    assert (environ["SERVER_NAME"], int(environ["SERVER_PORT"])) == seen.server
    assert environ.get("REMOTE_ADDR") == (seen.client[0] if seen.client else None)
    assert wsgi.bodies[-1] == seen.body
    assert environ["CONTENT_LENGTH"] == str(len(seen.body))
    cookies = seen.header(b"cookie")
    assert environ.get("HTTP_COOKIE") == (cookies[0].decode("latin-1") if cookies else None)
    assert environ["aws.event"] is event
    assert seen.scope["aws.event"] is event
    return seen
