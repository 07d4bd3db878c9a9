"""Neutral HTTP value objects passed between event sources and runners.

Sources build a :class:`Request` from an event and render a :class:`Response`
into the dict the gateway accepts; runners turn a ``Request`` into a
``Response`` by calling the app. Neither side knows about the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import ClassVar

__all__ = [
    "PASSTHROUGH_KEY",
    "WARMUP_KEY",
    "Headers",
    "Request",
    "Response",
    "first_header",
    "plain_response",
]

#: The ASGI scope and WSGI environ key set (to ``True``) only for an event
#: delivered by ``Adapter(passthrough="/path")``, never for an HTTP request.
PASSTHROUGH_KEY = "hatchway.passthrough"

#: The ASGI scope and WSGI environ key set (to ``True``) only for a warm-up
#: request of ``Adapter(warmup=[...])``, run in INIT; no client can set it.
WARMUP_KEY = "hatchway.warmup"

#: Request headers: lower-case names and values as latin-1 text (one character
#: per byte, as WSGI wants them; ASGI gets them encoded), repeats kept in order.
Headers = list[tuple[str, str]]


def first_header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` among text headers (case-insensitive), or None."""
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class Request:
    """One HTTP request as the app should see it.

    ``path`` is the full decoded path as the client sent it, mount point
    included; ``root_path`` is the mount point (a stage or base path) and is
    always a prefix of ``path``. ``raw_path`` is the percent-encoded form of
    ``path``.
    """

    #: True only for an event delivered by ``Adapter(passthrough="/path")``
    #: (:class:`hatchway.passthrough.EventRequest`): the runners mark its scope
    #: and environ, which nothing in an HTTP request can do.
    passthrough: ClassVar[bool] = False
    #: True only for a warm-up request (:class:`hatchway.lifecycle.WarmupRequest`):
    #: the runners mark its scope and environ with :data:`WARMUP_KEY`.
    warmup: ClassVar[bool] = False

    __slots__ = (
        "body",
        "client",
        "headers",
        "method",
        "path",
        "query_string",
        "raw_path",
        "root_path",
        "scheme",
        "server",
    )

    def __init__(
        self,
        method: str,
        path: str,
        raw_path: bytes,
        root_path: str = "",
        query_string: bytes = b"",
        headers: Headers | None = None,
        body: bytes = b"",
        client: tuple[str, int] | None = None,
        server: tuple[str, int] = ("localhost", 443),
        scheme: str = "https",
    ) -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path
        self.root_path = root_path
        self.query_string = query_string
        self.headers: Headers = headers if headers is not None else []
        self.body = body
        self.client = client
        self.server = server
        self.scheme = scheme

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path!r} root_path={self.root_path!r}>"


class Response:
    """One complete HTTP response produced by the app.

    Header names keep the app's letter case; values are ``str`` holding
    latin-1 text, already checked for CR, LF and NUL by the runner.
    """

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return first_header(self.headers, name)

    def __repr__(self) -> str:
        return f"<Response {self.status} {len(self.body)} bytes>"


def plain_response(status: int, text: str) -> Response:
    """A short plain-text answer of hatchway's own (400, 500, 504)."""
    return Response(status, [("content-type", "text/plain; charset=utf-8")], text.encode("utf-8"))
