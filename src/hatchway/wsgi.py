"""The WSGI runner: a Request in, a Response out, by PEP 3333 to the letter.

This module never imports asyncio, so a WSGI function's cold start does not
pay for it.
"""

from __future__ import annotations

import contextvars
import io
import sys
from collections.abc import Callable, Iterable

from ._log import LazyLogger
from ._typing import TYPE_CHECKING
from .errors import ProtocolError
from .http import PASSTHROUGH_KEY, Request, Response

__all__ = ["WsgiRunner"]

logger = LazyLogger("hatchway.wsgi")

if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

    ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
    StartResponse = Callable[..., Callable[[bytes], None]]
    WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _forbidden(text: str) -> bool:
    """Whether ``text`` holds CR, LF or NUL (which would end or split a header)."""
    return "\r" in text or "\n" in text or "\0" in text


_PORT_TEXT = {443: "443", 80: "80"}
#: The environ keys set per request (REMOTE_ADDR only when the client is known).
_PER_REQUEST = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_NAME",
    "SERVER_PORT",
    "CONTENT_LENGTH",
    "REMOTE_ADDR",
    "wsgi.url_scheme",
    "wsgi.input",
    "aws.event",
    "aws.context",
)


def _native(text: str) -> str:
    """A decoded path as a PEP 3333 native string: its UTF-8 bytes read as latin-1."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


class _Exchange:
    """One request's start_response/write state."""

    __slots__ = ("chunks", "headers", "headers_sent", "status")

    def __init__(self) -> None:
        #: The status code once start_response() was called, else 0.
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self.chunks: list[bytes] = []

    # The app's arguments are checked here, so they are typed as what may
    # arrive (a compiled build would otherwise refuse them with its own error).
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


#: Status lines already checked -> their code. Apps use a handful, so checking
#: each once saves the work on every response; bounded all the same.
_status_codes: dict[str, int] = {}


def _check_status(status: Any) -> int:
    """The code of a valid WSGI status line like ``"200 OK"``."""
    if type(status) is str:
        code = _status_codes.get(status)
        if code is not None:
            return code
    if (
        not isinstance(status, str)
        or len(status) < 3
        or not (status[:3].isascii() and status[:3].isdigit())
        or (len(status) > 3 and status[3] != " ")
        or _forbidden(status)
        or not 100 <= int(status[:3]) <= 599
    ):
        raise ProtocolError(f"invalid WSGI status {status!r}: expected a string like '200 OK'")
    code = int(status[:3])
    if len(_status_codes) < 256:
        _status_codes[str(status)] = code
    return code


#: Response header pairs already checked -> the pair passed on. Apps send the
#: same few again and again; bounded, and only short ones (what is unique per
#: response, a session cookie, takes the checks every time).
_checked_pairs: dict[tuple[str, str], tuple[str, str]] = {}
_CHECKED_MAX = 512
_CHECKED_FIELD_MAX = 128


def _check_headers(headers: Any) -> list[tuple[str, str]]:
    if not isinstance(headers, list):
        raise ProtocolError(f"response headers must be a list, not {type(headers).__name__}")
    known = _checked_pairs
    try:
        return [known[item] for item in headers]  # every pair checked before
    except (KeyError, TypeError):  # a new pair, or one that is not a tuple
        pass
    checked = []
    for item in headers:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ProtocolError(f"response header {item!r} is not a (name, value) tuple")
        try:
            pair = known.get(item)
        except TypeError:  # an unhashable name or value: _check_pair refuses it
            pair = None
        if pair is None:
            pair = _check_pair(item)
            if (
                len(item[0]) <= _CHECKED_FIELD_MAX
                and len(item[1]) <= _CHECKED_FIELD_MAX
                and len(known) < _CHECKED_MAX
            ):
                known[item] = pair
        checked.append(pair)
    return checked


def _check_pair(item: tuple[Any, Any]) -> tuple[str, str]:
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
    return (name, value.strip(" \t"))


class WsgiRunner:
    """Calls a WSGI app once per request and collects its whole response."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        #: Every key a request always has, in one dict: each environ starts as
        #: its copy, so the per-request keys replace values in place instead of
        #: growing the dict key by key.
        self._template: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "SERVER_PROTOCOL": "HTTP/1.1",
            **dict.fromkeys(_PER_REQUEST),
        }
        #: Header name -> environ key ("" for names never passed on).
        self._header_keys: dict[str, str] = {}

    def environ(self, request: Request, event: Any, context: Any) -> dict[str, Any]:
        """The PEP 3333 environ for ``request``."""
        root = request.root_path
        body = request.body
        server = request.server
        path = request.path[len(root) :] if root else request.path
        environ = self._template.copy()
        environ["REQUEST_METHOD"] = request.method
        environ["SCRIPT_NAME"] = _native(root) if root else ""
        environ["PATH_INFO"] = path if path.isascii() else _native(path)
        environ["QUERY_STRING"] = request.query_string.decode("latin-1")
        environ["SERVER_NAME"] = server[0]
        environ["SERVER_PORT"] = _PORT_TEXT.get(server[1]) or str(server[1])
        environ["CONTENT_LENGTH"] = str(len(body)) if body else "0"
        environ["wsgi.url_scheme"] = request.scheme
        environ["wsgi.input"] = io.BytesIO(body)
        environ["aws.event"] = event
        environ["aws.context"] = context
        if request.passthrough:
            # Only a pass-through event: headers become HTTP_* keys, never this one.
            environ[PASSTHROUGH_KEY] = True
        client = request.client
        if client is not None:
            environ["REMOTE_ADDR"] = client[0]
        else:
            del environ["REMOTE_ADDR"]
        headers = request.headers
        keys = self._header_keys
        size = len(environ)
        try:
            # The usual request: every name seen before and none twice, so
            # each header is one store. A repeat shows as a key short.
            for name, value in headers:
                environ[keys[name]] = value
        except KeyError:
            pass
        else:
            added = len(environ) - size
            environ.pop("", None)  # the names never passed on (at most one)
            if added == len(headers):
                return environ
        for name, _ in headers:  # undo the stores above, then the general way
            environ.pop(keys.get(name) or "", None)
        for name, value in headers:
            key = keys.get(name)
            if key is None:
                key = _environ_key(name)
                if len(keys) < 1024:  # names are client-controlled: keep the cache bounded
                    keys[name] = key
            if not key:
                continue
            if key in environ:
                # Repeats join with ","; the cookie header arrives already merged.
                environ[key] = f"{environ[key]},{value}"
            else:
                environ[key] = value
        return environ

    def __call__(self, request: Request, event: Any, context: Any) -> Response:
        # A fresh copy of the context per request: context variables the app
        # sets stay in that request instead of leaking into the next invocation.
        return contextvars.copy_context().run(self._call, request, event, context)

    def _call(self, request: Request, event: Any, context: Any) -> Response:
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
            _close(result, complete=False)
            raise
        if type(result) is not list:  # the usual answer, a list, has no close()
            _close(result, complete=True)
        if not exchange.status:
            raise ProtocolError("the app returned without calling start_response()")
        return Response(exchange.status, exchange.headers, b"".join(chunks))


def _environ_key(name: str) -> str:
    """``HTTP_X_THING`` for ``x-thing``; ``""`` for a name not passed on. Names
    with ``_`` are dropped: they would collide with a ``-`` spelling
    (``X-Forwarded-For`` vs ``X_Forwarded_For``) and let a client smuggle a
    header past a proxy that checks the other one."""
    if name == "content-type":
        return "CONTENT_TYPE"
    if name == "content-length":
        return ""  # set from the body we actually deliver
    if "_" in name:
        return ""
    return "HTTP_" + name.upper().replace("-", "_")


def _close(result: object, *, complete: bool) -> None:
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
        logger.exception("the WSGI app's close() raised after %s", state)
