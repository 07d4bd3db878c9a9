"""The WSGI runner: a Request in, a Response out, by PEP 3333 to the letter.

This module never imports asyncio, so a WSGI function's cold start does not
pay for it.
"""

from __future__ import annotations

import contextvars
import io
import re
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from .errors import ProtocolError
from .http import PASSTHROUGH_KEY, WARMUP_KEY, Request, Response
from .log import LazyLogger, request_id_of
from .watchdog import Watch, deadline_of

__all__ = ["WsgiRunner"]

logger = LazyLogger("hatchway.wsgi")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], None]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _forbidden(text: str) -> bool:
    """Whether ``text`` holds CR, LF or NUL (which would end or split a header)."""
    return "\r" in text or "\n" in text or "\0" in text


def _native(text: str) -> str:
    """Decoded text as a PEP 3333 native string: its UTF-8 bytes read as latin-1."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def script_and_path(request: Request) -> tuple[str, str]:
    """``SCRIPT_NAME`` and ``PATH_INFO``: the mount point and the rest of the path,
    each the path's bytes read as latin-1 (PEP 3333), as HTTP servers give them:
    decoded from ``raw_path``, so a client's ``%ff`` arrives as that byte and not
    as the replacement character a text decoding made of it."""
    root, path, raw_path = request.root_path, request.path, request.raw_path
    if b"%" not in raw_path and path.isascii() and root.isascii():
        return root, path[len(root) :]  # nearly every path: nothing to decode
    script_name = _native(root)
    if b"%" in raw_path:
        from urllib.parse import unquote_to_bytes  # here: most paths need no decoding

        full = unquote_to_bytes(raw_path).decode("latin-1")
        if full.startswith(script_name):
            return script_name, full[len(script_name) :]
    return script_name, _native(path[len(root) :])


class _Exchange:
    """One request's start_response/write state."""

    __slots__ = ("chunks", "headers", "headers_sent", "status")

    def __init__(self) -> None:
        #: The status code once start_response() was called, else 0.
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self.chunks: list[bytes] = []

    # Typed as what may arrive: the app's arguments are checked here.
    def start_response(
        self,
        status: object,
        headers: object,
        exc_info: ExcInfo | None = None,
    ) -> Callable[[object], None]:
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # break the traceback cycle, as PEP 3333 asks
        elif self.status:
            raise ProtocolError("start_response() called a second time without exc_info")
        self.status = _check_status(status)
        self.headers = _check_headers(headers)
        return self.write

    def write(self, data: object) -> None:
        if not self.status:
            raise ProtocolError("write() called before start_response()")
        if not isinstance(data, bytes):
            raise ProtocolError(f"write() takes bytes, not {type(data).__name__}")
        self.headers_sent = True
        self.chunks.append(data)


#: A WSGI status line: a code from 100 to 599, alone or followed by a space
#: and a reason phrase free of CR, LF and NUL.
_STATUS_LINE = re.compile(r"[1-5][0-9][0-9](?: [^\r\n\x00]*)?").fullmatch


def _check_status(status: Any) -> int:
    """The code of a valid WSGI status line like ``"200 OK"``."""
    if not isinstance(status, str) or _STATUS_LINE(status) is None:
        raise ProtocolError(f"invalid WSGI status {status!r}: expected a string like '200 OK'")
    return int(status[:3])


def _check_headers(headers: Any) -> list[tuple[str, str]]:
    """The response headers, checked: a list of (name, value) tuples of str
    (PEP 3333 requires a list; anything else is refused whole, never partly
    read), no CR, LF or NUL anywhere, no colon or space in a name."""
    if not isinstance(headers, list):
        raise ProtocolError(f"response headers must be a list, not {type(headers).__name__}")
    checked = []
    for item in headers:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ProtocolError(f"response header {item!r} is not a (name, value) tuple")
        name, value = item
        if not isinstance(name, str) or not isinstance(value, str):
            raise ProtocolError(f"response header {item!r} must be a pair of str")
        # isprintable() rules out CR, LF and NUL at C speed for the usual
        # header; only what it rejects (a tab, say) needs the exact check.
        if (
            not name
            or ":" in name
            or " " in name
            or not (name.isprintable() or not _forbidden(name))
            or not (value.isprintable() or not _forbidden(value))
        ):
            raise ProtocolError(f"response header {name!r} has a forbidden character")
        # Leading and trailing blanks are not part of a field value (RFC 9110 5.5);
        # Django's WSGI handler sends Set-Cookie values with a leading space.
        checked.append((name, value.strip(" \t")))
    return checked


class WsgiRunner:
    """Calls a WSGI app once per request and collects its whole response."""

    def __init__(self, app: WSGIApp, *, timeout_margin: float | None = None) -> None:
        self.app = app
        #: Seconds before the invocation's deadline at which a still-running app
        #: is reported with its stack (None: never); it cannot be interrupted.
        self.timeout_margin = timeout_margin

    def environ(self, request: Request, event: Any, context: Any) -> dict[str, Any]:
        """The PEP 3333 environ for ``request``."""
        script_name, path_info = script_and_path(request)
        body = request.body
        host, port = request.server
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": script_name,
            "PATH_INFO": path_info,
            "QUERY_STRING": request.query_string.decode("latin-1"),
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": request.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "aws.event": event,
            "aws.context": context,
        }
        if request.passthrough:
            # Only a pass-through event: headers become HTTP_* keys, never this one.
            environ[PASSTHROUGH_KEY] = True
        elif request.warmup:
            environ[WARMUP_KEY] = True
        if request.client is not None:
            environ["REMOTE_ADDR"] = request.client[0]
        for name, value in request.headers:
            # Names with "_" are dropped: they would collide with a "-" spelling
            # (X-Forwarded-For vs X_Forwarded_For) and let a client smuggle a
            # header past a proxy that checks the other one.
            if "_" in name:
                continue
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in environ:
                # Repeats join with ","; the cookie header arrives already merged.
                environ[key] = f"{environ[key]},{value}"
            else:
                environ[key] = value
        # CONTENT_LENGTH is that of the body we actually deliver, set above;
        # Content-Type has a key without the HTTP_ prefix.
        environ.pop("HTTP_CONTENT_LENGTH", None)
        if "HTTP_CONTENT_TYPE" in environ:
            environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
        return environ

    def __call__(self, request: Request, event: Any, context: Any) -> Response:
        # A fresh copy of the context per request: context variables the app
        # sets stay in that request instead of leaking into the next invocation.
        return contextvars.copy_context().run(self._call, request, event, context)

    def _call(self, request: Request, event: Any, context: Any) -> Response:
        margin = self.timeout_margin
        ends = deadline_of(context) if margin is not None else None
        if margin is None or ends is None:
            return self._run(request, event, context)
        watch = Watch(ends, margin, request, context, _RUN_CODE)
        watch.arm()
        try:
            return self._run(request, event, context)
        finally:
            watch.disarm()

    def _run(self, request: Request, event: Any, context: Any) -> Response:
        exchange = _Exchange()
        result: Iterable[object] = self.app(
            self.environ(request, event, context), exchange.start_response
        )
        chunks = exchange.chunks
        try:
            for chunk in result:
                if not isinstance(chunk, bytes):
                    raise ProtocolError(f"the app yielded {type(chunk).__name__}, not bytes")
                if chunk:
                    if not exchange.status:
                        raise ProtocolError("the app yielded a body before start_response()")
                    exchange.headers_sent = True
                    chunks.append(chunk)
        except BaseException:
            _close(result, request, context, complete=False)
            raise
        if type(result) is not list:  # the usual answer, a list, has no close()
            _close(result, request, context, complete=True)
        if not exchange.status:
            raise ProtocolError("the app returned without calling start_response()")
        return Response(exchange.status, exchange.headers, b"".join(chunks))


#: Where the app is called: stacks in timeout reports start there.
_RUN_CODE = WsgiRunner._run.__code__


def _close(result: object, request: Request, context: Any, *, complete: bool) -> None:
    """Call the iterable's close(), as PEP 3333 requires, whatever happened.

    An error in close() is logged, never raised: after a complete response the
    response stands, and after a failure the original error is the one to report.
    """
    close = getattr(result, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:
        state = "a complete response" if complete else "a failed response"
        logger.exception(
            "the WSGI app's close() raised after %s: %s %s (request id %s)",
            state,
            request.method,
            request.path,
            request_id_of(context),
        )
