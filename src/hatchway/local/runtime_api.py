"""An emulator of the Lambda Runtime API, for a real runtime client to poll.

The runtime (``awslambdaric``) asks ``GET /2018-06-01/runtime/invocation/next``
for work and gets the event JSON with the headers Lambda sends:
``Content-Type`` (without it awslambdaric's native client waits forever),
``Lambda-Runtime-Aws-Request-Id``, ``Lambda-Runtime-Deadline-Ms``,
``Lambda-Runtime-Invoked-Function-Arn`` and ``Lambda-Runtime-Trace-Id``. It
answers with ``POST .../invocation/{id}/response`` or ``.../error`` (202), or
reports a failed init with ``POST /2018-06-01/runtime/init/error``. Under
SnapStart (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``) the runtime runs its
before-snapshot hooks after INIT, then asks ``GET .../restore/next``, answered
at once (the "snapshot" is taken and restored on the spot), then runs its
after-restore hooks; a failed one is posted to ``.../restore/error``. A
response posted with ``Lambda-Runtime-Function-Response-Mode: streaming``
(chunked, error trailers) is handed to the gateway as a
:class:`~.invocation.StreamedResult` on its first bytes and fed chunk by chunk.

Several ``next`` requests may wait at once: in Lambda Managed Instances mode
(``AWS_LAMBDA_MAX_CONCURRENCY``) each forked worker polls on its own. Each
runtime process started is a *generation*; when it exits, the invocations it
had taken fail, and requests still waiting from it hand nothing out. Stdlib
``http.server`` is enough here: the peer is a runtime client on loopback.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .invocation import FUNCTION_ARN, FunctionError, StreamedResult
from .streamed import trailer_error

__all__ = ["Invocation", "RuntimeApiEmulator", "TimedOut"]

_PREFIX = "/2018-06-01/runtime"
_RESULT = re.compile(rf"^{_PREFIX}/invocation/([^/]+)/(response|error)$")
_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
_ERROR_BODY = "Lambda-Runtime-Function-Error-Body"
_RESPONSE_MODE = "Lambda-Runtime-Function-Response-Mode"
#: The error types a runtime posts for a failed SnapStart hook.
_HOOK_ERRORS = ("Runtime.BeforeSnapshotError", "Runtime.AfterRestoreError")
#: How often a waiting ``next`` wakes up to see whether it should give up.
_POLL_SECONDS = 1.0


class TimedOut(FunctionError):
    """The function did not answer before its time-out."""


class Invocation:
    """One event on its way through the runtime, and its outcome."""

    __slots__ = (
        "deadline_ms",
        "done",
        "error",
        "event",
        "generation",
        "request_id",
        "result",
        "trace_id",
    )

    def __init__(self, event: bytes, request_id: str, timeout: float) -> None:
        self.event = event
        self.request_id = request_id
        self.deadline_ms = int((time.time() + timeout) * 1000)
        self.trace_id = (
            f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
            f"Parent={uuid.uuid4().hex[:16]};Sampled=0"
        )
        self.done = threading.Event()
        self.result: bytes | StreamedResult | None = None
        self.error: FunctionError | None = None
        #: The runtime generation that took it; None while queued.
        self.generation: int | None = None

    def finish(
        self, result: bytes | StreamedResult | None = None, error: FunctionError | None = None
    ) -> None:
        self.result = result
        self.error = error
        self.done.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: RuntimeApiEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A runtime that is stopped or crashes leaves its connections behind;
        # the answers they miss are no error. Anything else gets the traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Small writes go out at once: with Nagle's algorithm on, a response sent
    # after a request on the same connection waits for the peer's delayed ACK
    # (~40 ms a round trip on Linux).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the gateway logs each request once, with its outcome."""

    def do_GET(self) -> None:
        self.server.emulator.called("GET", self.path)
        if self.path == f"{_PREFIX}/restore/next":
            self.server.emulator.restored.set()
            self._send(200, {}, b"")
            return
        if self.path != f"{_PREFIX}/invocation/next":
            self._answer(404, {"errorMessage": f"unknown path {self.path}"})
            return
        invocation = self.server.emulator.next_invocation()
        if invocation is None:  # shutting down, or this runtime is gone
            self._answer(410, {"errorMessage": "no more invocations for this runtime"})
            self.close_connection = True
            return
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
        }
        try:
            self._send(200, headers, invocation.event)
        except OSError:
            self.server.emulator.give_back(invocation)
            raise

    def do_POST(self) -> None:
        emulator = self.server.emulator
        emulator.called("POST", self.path)
        if self.headers.get(_RESPONSE_MODE, "").lower() == "streaming":
            self._streamed_response()
            return
        body = self._body()
        if self.path in (f"{_PREFIX}/init/error", f"{_PREFIX}/restore/error"):
            error_type = self.headers.get(_ERROR_TYPE)
            error = FunctionError.from_document(body, error_type)
            if error_type in _HOOK_ERRORS and error.error_type != error_type:
                # A SnapStart hook failed: the header names the phase, the
                # document the exception (as Lambda reports them).
                error.message = f"{error.error_type}: {error.message}"
                error.error_type = error_type
            error.logged = True  # a runtime logs what it reports
            emulator.init_failed(error)
            self._answer(202, {"status": "OK"})
            return
        match = _RESULT.match(self.path)
        if match is None:
            self._answer(404, {"errorMessage": f"unknown path {self.path}"})
            return
        request_id, kind = match.groups()
        if kind == "response":
            known = emulator.complete(request_id, result=body)
        else:
            error = FunctionError.from_document(body, self.headers.get(_ERROR_TYPE))
            error.logged = True
            known = emulator.complete(request_id, error=error)
        if known:
            self._answer(202, {"status": "OK"})
        else:
            self._answer(
                400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            )

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            self._read_chunked(chunks.append)
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self, on_chunk: Callable[[bytes], None]) -> dict[str, str]:
        """Read a chunked body, each chunk to ``on_chunk`` as it arrives; the trailers."""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                trailers: dict[str, str] = {}
                while True:
                    line = self.rfile.readline()
                    if line in (b"\r\n", b"\n", b""):
                        return trailers
                    name, _, value = line.decode("latin-1").partition(":")
                    trailers[name.strip().lower()] = value.strip()
            on_chunk(self.rfile.read(size))
            self.rfile.readline()

    def _streamed_response(self) -> None:
        """A response in streaming mode: the gateway gets each chunk as it arrives."""
        emulator = self.server.emulator
        match = _RESULT.match(self.path)
        invocation = (
            emulator.taken(match.group(1)) if match and match.group(2) == "response" else None
        )
        if invocation is None:
            self._body()
            self._answer(
                400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            )
            return
        stream = StreamedResult(
            self.headers.get("Content-Type") or "application/octet-stream",
            time.monotonic() + max(0.0, invocation.deadline_ms / 1000 - time.time()) + 1.0,
        )
        invocation.finish(stream)  # the gateway starts reading now
        error: FunctionError | None = None
        try:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                trailers = self._read_chunked(stream.put)
                error = trailer_error(
                    trailers.get(_ERROR_TYPE.lower()), trailers.get(_ERROR_BODY.lower())
                )
                if error is not None:
                    error.logged = True
            else:
                stream.put(self._body())
        except (OSError, ValueError) as exc:
            error = FunctionError("Runtime.StreamError", f"the response stream broke: {exc}")
            raise
        finally:
            stream.end(error)
            emulator.complete(invocation.request_id)
        self._answer(202, {"status": "OK"})
        self.close_connection = True  # AWS: the runtime closes it after a streamed response

    def _answer(self, status: int, document: dict[str, str]) -> None:
        self._send(status, {"Content-Type": "application/json"}, json.dumps(document).encode())

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """The whole response in one write: head and body in one segment."""
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)
        self.wfile.flush()


class RuntimeApiEmulator:
    """The Runtime API on a free loopback port, fed by :meth:`invoke`."""

    def __init__(
        self,
        on_init_error: Callable[[FunctionError], None] | None = None,
        on_call: Callable[[str, str], None] | None = None,
    ) -> None:
        #: Called once per runtime process with the init (or restore) error it reported.
        self.on_init_error = on_init_error
        #: Called with the method and path of each request the runtime makes.
        self.on_call = on_call
        #: Set once a runtime asked ``restore/next`` (SnapStart: INIT is over).
        self.restored = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.emulator = self
        self._thread: threading.Thread | None = None
        self._changed = threading.Condition()
        self._queue: deque[Invocation] = deque()
        self._taken: dict[str, Invocation] = {}
        self._generation = 0
        self._closed = False
        #: The init error the current runtime reported, if any.
        self.init_error: FunctionError | None = None

    @property
    def address(self) -> str:
        """``host:port``, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="hatchway-runtime-api", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # The runtime process side (called by the launcher).

    def begin_generation(self) -> int:
        """A new runtime process is about to start: requests from older ones get nothing."""
        with self._changed:
            self._generation += 1
            self.init_error = None
            self.restored.clear()
            self._changed.notify_all()
            return self._generation

    def end_generation(self, generation: int, error: FunctionError) -> None:
        """Runtime ``generation`` exited: fail what it had taken with ``error``."""
        with self._changed:
            lost = [inv for inv in self._taken.values() if inv.generation == generation]
            for invocation in lost:
                del self._taken[invocation.request_id]
            if generation == self._generation:
                self._generation += 1  # its waiting `next` requests hand nothing out
        for invocation in lost:
            invocation.finish(error=error)

    def has_waiting(self) -> bool:
        """Whether events wait for a runtime to take them."""
        with self._changed:
            return bool(self._queue)

    # The gateway side.

    def submit(self, event: bytes, request_id: str, timeout: float) -> Invocation:
        """Queue ``event`` for the runtime."""
        invocation = Invocation(event, request_id, timeout)
        with self._changed:
            self._queue.append(invocation)
            self._changed.notify_all()
        return invocation

    def wait(self, invocation: Invocation, timeout: float) -> bytes | StreamedResult:
        """The result of ``invocation`` (a :class:`StreamedResult` as soon as a
        streamed one begins); :class:`FunctionError` if it failed,
        :class:`TimedOut` if no answer came within ``timeout`` seconds."""
        if not invocation.done.wait(timeout):
            with self._changed:
                if invocation in self._queue:
                    self._queue.remove(invocation)
                self._taken.pop(invocation.request_id, None)
            invocation.finish(
                error=TimedOut("Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds")
            )
        if invocation.error is not None:
            raise invocation.error
        assert invocation.result is not None
        return invocation.result

    # The Runtime API side (called by the request handlers).

    def called(self, method: str, path: str) -> None:
        if self.on_call is not None:
            self.on_call(method, path)

    def next_invocation(self) -> Invocation | None:
        with self._changed:
            generation = self._generation
            while not self._closed and generation == self._generation:
                if self._queue:
                    invocation = self._queue.popleft()
                    invocation.generation = generation
                    self._taken[invocation.request_id] = invocation
                    return invocation
                self._changed.wait(_POLL_SECONDS)
        return None

    def give_back(self, invocation: Invocation) -> None:
        """The event could not be sent: queue it again, first in line."""
        with self._changed:
            if self._taken.pop(invocation.request_id, None) is not None:
                invocation.generation = None
                self._queue.appendleft(invocation)
                self._changed.notify_all()

    def complete(
        self, request_id: str, *, result: bytes | None = None, error: FunctionError | None = None
    ) -> bool:
        with self._changed:
            invocation = self._taken.pop(request_id, None)
        if invocation is None:
            return False
        if not invocation.done.is_set():  # a streamed result was handed over already
            invocation.finish(result, error)
        return True

    def taken(self, request_id: str) -> Invocation | None:
        """The invocation a runtime is working on, by request id."""
        with self._changed:
            return self._taken.get(request_id)

    def init_failed(self, error: FunctionError) -> None:
        """The runtime could not load the handler: fail every queued event with that."""
        with self._changed:
            first = self.init_error is None
            self.init_error = error
            waiting = list(self._queue)
            self._queue.clear()
        for invocation in waiting:
            invocation.finish(error=error)
        if first and self.on_init_error is not None:
            self.on_init_error(error)
