"""The local gateway: a threaded werkzeug HTTP server that answers each request
the way the chosen AWS gateway would, by invoking the function.

Per request: the request as the client sent it (raw target, header names in
their case and order, body) becomes a
:class:`~hatchway.sources.base.ClientRequest`; the source's ``build_event``
makes the event (or the gateway's own refusal, such as a URL outside the
stage); the runtime runs the function; the source's ``read_response`` makes
the HTTP response of the result dict (or the gateway's 502 for a malformed
one). Oversize payloads and failed invocations get the gateway's own answer
(:mod:`.refusals`). werkzeug is imported only here, when serving starts.
"""

from __future__ import annotations

import json
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..http import Response
from ..limits import SYNC_INVOKE_LIMIT
from ..sources.base import ClientRequest, GatewayError, MalformedResponse
from ..sources.responses import status_line
from .console import Console
from .gateway_choice import GatewayChoice
from .invocation import FunctionError, Runtime, StreamedResult
from .streamed import StreamedResponse, open_stream

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

__all__ = ["LocalGateway", "make_server"]

StartResponse = Callable[..., Any]

# The gateway sets these itself: the length of the body it sends, its own
# connection handling.
_HOP_BY_HOP = frozenset(
    ("content-length", "transfer-encoding", "connection", "keep-alive", "upgrade")
)
#: Bytes of an over-size body read and dropped before answering, so the
#: client gets the answer rather than a reset connection.
_DRAIN_LIMIT = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class _TooLarge(Exception):
    pass


def _wire_headers(response: Response) -> list[tuple[str, str]]:
    """The response headers as the server sends them: latin-1 text (UTF-8
    bytes for anything beyond it), never a line break."""
    headers = []
    for name, value in response.headers:
        if name.lower() in _HOP_BY_HOP:
            continue
        if any(c in name + value for c in "\r\n\0"):
            raise MalformedResponse(502, f"header {name!r} holds a line break or NUL")
        headers.append((name, value.encode("utf-8").decode("latin-1")))
    headers.append(("Content-Length", str(len(response.body))))
    return headers


#: Response headers holding a URL a client follows.
_LINK_HEADERS = frozenset(("location", "content-location"))


def plain_http_links(
    headers: list[tuple[str, str]], host: str | None
) -> tuple[list[tuple[str, str]], bool]:
    """``headers`` with each ``Location`` to ``https://HOST`` turned into
    ``http://HOST``, and whether any was.

    apigw-http, function-url and lambda-edge are reached over https only, so
    the app builds https links (correct in AWS). This server speaks plain
    HTTP: a redirect to its own address over https would fail. Only URLs to
    the very host the client called are changed; any other stays as sent.
    """
    if not host:
        return headers, False
    origin = f"https://{host}".lower()
    size = len(origin)
    changed = False
    out = []
    for name, value in headers:
        if (
            name.lower() in _LINK_HEADERS
            and value[:size].lower() == origin
            and value[size : size + 1] in ("", "/", "?", "#")
        ):
            value = "http://" + value[len("https://") :]
            changed = True
        out.append((name, value))
    return out, changed


def _details(error: FunctionError) -> str:
    """What to print under a failure: the error and trace, unless the runtime
    logged them just above (then only the error, to tie the two together)."""
    if error.logged:
        return f"{error.error_type}: {error.message} (the runtime logged its trace above)"
    return error.describe()


class LocalGateway:
    """The WSGI app the server runs: one HTTP request in, the gateway's answer out."""

    def __init__(
        self,
        choice: GatewayChoice,
        runtime: Runtime,
        console: Console,
        *,
        show_events: bool = False,
    ) -> None:
        self.choice = choice
        self.runtime = runtime
        self.console = console
        self.show_events = show_events
        self._told_links = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        target = environ.get("hatchway.target") or environ.get("REQUEST_URI") or "/"
        method = environ["REQUEST_METHOD"]
        try:
            request = self._client_request(environ, target)
            response = self.answer(request)
            if environ.get("wsgi.url_scheme", "http") == "http":
                self._local_links(response, request.header("host"))
            if isinstance(response, StreamedResponse):
                return self._stream(environ, start_response, response, started)
            headers = _wire_headers(response)
        except _TooLarge:
            response = self.choice.refusals.request_too_large()
            headers = _wire_headers(response)
        except MalformedResponse as error:
            self.console.failure(f"{method} {target}: {error}")
            response = error.response()
            headers = _wire_headers(response)
        except Exception:  # a bug here must still answer, and say what happened
            self.console.failure(
                f"{method} {target}: hatchway serve failed", traceback.format_exc()
            )
            response = Response(502, [("content-type", "text/plain")], b"hatchway serve failed")
            headers = _wire_headers(response)
        start_response(status_line(response.status), headers)
        millis = (time.perf_counter() - started) * 1000
        client = environ.get("REMOTE_ADDR", "-")
        self.console.access(client, method, target, response.status, millis, len(response.body))
        return [] if method == "HEAD" else [response.body]

    def _local_links(self, response: Response | StreamedResponse, host: str | None) -> None:
        response.headers, changed = plain_http_links(response.headers, host)
        if changed and not self._told_links:
            self._told_links = True
            self.console.say(
                f"hatchway: the app redirects to https://{host} ({self.choice.name} is https "
                f"in AWS); this server speaks plain HTTP, so such redirects go to "
                f"http://{host} instead. Links in response bodies keep https: see "
                "'https links' in docs/local-development.md"
            )

    def _client_request(self, environ: dict[str, Any], target: str) -> ClientRequest:
        if not target.startswith("/"):  # absolute-form: http://host/path
            rest = target.partition("//")[2]
            target = "/" + rest.partition("/")[2]
        raw_headers = environ.get("hatchway.headers")
        if raw_headers is None:  # not behind our request handler: rebuild from the environ
            raw_headers = [
                (key[5:].replace("_", "-").title(), value)
                for key, value in environ.items()
                if key.startswith("HTTP_")
            ]
            for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                if environ.get(key):
                    raw_headers.append((key.replace("_", "-").title(), environ[key]))
        body = self._read_body(environ)
        client = (
            str(environ.get("REMOTE_ADDR", "127.0.0.1")),
            int(environ.get("REMOTE_PORT") or 0),
        )
        return ClientRequest(
            environ["REQUEST_METHOD"],
            target,
            raw_headers,
            body,
            client=client,
            scheme=str(environ.get("wsgi.url_scheme", "http")),
        )

    def _read_body(self, environ: dict[str, Any]) -> bytes:
        from werkzeug.wsgi import get_input_stream

        limit = self.choice.refusals.request_body_limit
        stream = get_input_stream(environ)  # no length, not chunked: no body
        body = stream.read(limit + 1)
        if len(body) <= limit:
            return body
        dropped = len(body)
        while dropped < _DRAIN_LIMIT:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            dropped += len(chunk)
        self.console.failure(
            f"request body over the {self.choice.name} limit of {limit} bytes: "
            f"the gateway refuses it without invoking the function"
        )
        raise _TooLarge

    def answer(self, request: ClientRequest) -> Response | StreamedResponse:
        """The gateway's answer to ``request``: its own, or the function's."""
        choice = self.choice
        try:
            event = choice.gateway.build_event(request, choice.settings)
        except GatewayError as refusal:
            return refusal.response()
        payload = json.dumps(event).encode("utf-8")
        if len(payload) > SYNC_INVOKE_LIMIT:
            self.console.failure(
                f"the event is {len(payload)} bytes, over Lambda's {SYNC_INVOKE_LIMIT}-byte "
                "limit for a synchronous invoke: the function is not invoked"
            )
            return choice.refusals.request_too_large()
        request_id = str(uuid.uuid4())
        if self.show_events:
            self.console.show(f"--> event for request {request_id} ({choice.name})", event)
        try:
            result_json = self.runtime.invoke(payload, request_id)
        except FunctionError as error:
            answer = choice.refusals.function_failed()
            self.console.failure(
                f"{request.method} {request.target}: the function failed (request "
                f"{request_id}); {choice.name} answers {answer.status}",
                _details(error),
            )
            return answer
        if isinstance(result_json, StreamedResult):
            return self._open_stream(request, request_id, result_json)
        if len(result_json) > choice.refusals.result_limit:
            answer = choice.refusals.function_failed()
            self.console.failure(
                f"the function returned {len(result_json)} bytes, over the "
                f"{choice.refusals.result_limit}-byte limit; {choice.name} answers {answer.status}"
            )
            return answer
        result = json.loads(result_json)
        if self.show_events:
            self.console.show(f"<-- result for request {request_id}", result)
        try:
            return choice.gateway.read_response(result, request, choice.settings)
        except MalformedResponse as error:
            self.console.failure(
                f"{request.method} {request.target}: {error}; {choice.name} answers {error.status}"
            )
            return error.response()

    def _open_stream(
        self, request: ClientRequest, request_id: str, result: StreamedResult
    ) -> Response | StreamedResponse:
        """The head of a streamed response, or the gateway's answer if there is none."""
        choice = self.choice
        try:
            return open_stream(result, choice.name)
        except FunctionError as error:
            answer = choice.refusals.function_failed()
            self.console.failure(
                f"{request.method} {request.target}: the function failed before its stream "
                f"began (request {request_id}); {choice.name} answers {answer.status}",
                _details(error),
            )
            return answer
        except MalformedResponse as error:
            self.console.failure(f"{request.method} {request.target}: {error}")
            return error.response()

    def _stream(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        response: StreamedResponse,
        started: float,
    ) -> Iterable[bytes]:
        """Send the head now and each chunk as it arrives (chunked transfer encoding)."""
        method = environ["REQUEST_METHOD"]
        target = environ.get("hatchway.target") or environ.get("REQUEST_URI") or "/"
        headers = _wire_headers(Response(response.status, response.headers))
        headers = [h for h in headers if h[0] != "Content-Length"]
        start_response(status_line(response.status), headers)
        return self._relay(response, method, target, environ.get("REMOTE_ADDR", "-"), started)

    def _relay(
        self, response: StreamedResponse, method: str, target: str, client: str, started: float
    ) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in response.body:
                size += len(chunk)
                yield chunk
        except FunctionError as error:
            self.console.failure(
                f"{method} {target}: the function reported an error after {size} streamed "
                "bytes; the client's response ends there, unfinished",
                _details(error),
            )
            # A connection error makes werkzeug drop the connection without the
            # final chunk, so the client sees an unfinished body.
            raise ConnectionAbortedError("the function's stream ended with an error") from error
        finally:
            millis = (time.perf_counter() - started) * 1000
            self.console.access(client, method, target, response.status, millis, size)


def make_server(host: str, port: int, app: LocalGateway) -> BaseWSGIServer:
    """A threaded werkzeug server for ``app`` that keeps each request's raw
    target and header case, and leaves access logging to ``app``."""
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as werkzeug_server

    class RawRequestHandler(WSGIRequestHandler):
        def make_environ(self) -> dict[str, Any]:
            environ = super().make_environ()
            environ["hatchway.target"] = self.path
            environ["hatchway.headers"] = list(self.headers.items())
            return environ

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Silent: the gateway app writes the access log."""

    return werkzeug_server(host, port, app, threaded=True, request_handler=RawRequestHandler)
