"""A client of the Lambda Runtime API (``AWS_LAMBDA_RUNTIME_API``), on a plain socket.

``GET /2018-06-01/runtime/invocation/next`` waits for an event; the result
goes back as ``POST .../invocation/{id}/response`` or ``.../error``; a failed
initialisation as ``POST /2018-06-01/runtime/init/error``. A streamed response
is one POST with ``Lambda-Runtime-Function-Response-Mode: streaming`` and
chunked transfer encoding, announcing the two error trailers up front
(HTTP/1.1 requires trailers to be declared in ``Trailer``); its connection is
closed after the last chunk, as AWS asks of streaming runtimes.

Why not ``http.client``: the Runtime API is one local peer speaking a small,
fixed part of HTTP/1.1, and every invocation pays for two round trips
through it. Here each request is written with one ``send`` on one kept-alive
connection (``TCP_NODELAY``), and the answer is parsed for what the runtime
reads (status, a few headers, a ``Content-Length`` or chunked body) — about
a third of ``http.client``'s CPU per invocation, and no ``email`` or ``ssl``
import at start-up.
"""

from __future__ import annotations

import socket

__all__ = ["NextInvocation", "ResponseStream", "RuntimeApi", "RuntimeApiError"]

_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY = "Lambda-Runtime-Function-Error-Body"
RESPONSE_MODE = "Lambda-Runtime-Function-Response-Mode"
XRAY_CAUSE = "Lambda-Runtime-Function-XRay-Error-Cause"
_USER_AGENT = "hatchway-runtime"
#: Longest response head accepted from the Runtime API.
_MAX_HEAD = 64 * 1024
#: Bodies up to this size are joined to their head and sent with one ``sendall``.
_JOIN_BELOW = 256 * 1024
#: The most read from the socket at a time.
_READ_SIZE = 65536


class RuntimeApiError(Exception):
    """The Runtime API answered with an unexpected status, or not in HTTP/1.1."""


class _Closed(ConnectionError):
    """The peer closed the connection before answering anything."""


class NextInvocation:
    """One event from ``next``: its body and the headers Lambda sent with it."""

    __slots__ = (
        "body",
        "client_context",
        "cognito_identity",
        "content_type",
        "deadline_ms",
        "function_arn",
        "request_id",
        "tenant_id",
        "trace_id",
    )

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body = body
        get = headers.get
        self.request_id = get("lambda-runtime-aws-request-id") or ""
        deadline = get("lambda-runtime-deadline-ms") or ""
        self.deadline_ms = int(deadline) if deadline.isdigit() else 0
        self.function_arn = get("lambda-runtime-invoked-function-arn")
        self.trace_id = get("lambda-runtime-trace-id")
        self.client_context = get("lambda-runtime-client-context")
        self.cognito_identity = get("lambda-runtime-cognito-identity")
        self.tenant_id = get("lambda-runtime-aws-tenant-id")
        self.content_type = get("content-type") or "application/json"


def header_value(value: str) -> bytes:
    """``value`` as one header line's value: no CR, LF or other control character
    can end the line early or start a header of its own; non-Latin-1 replaced."""
    if not value.isprintable():
        value = "".join(c if c.isprintable() else " " for c in value)
    return " ".join(value.split()).encode("latin-1", "replace")


def _connect(host: str | bytes, port: int) -> socket.socket:
    """``socket.create_connection``, which takes a str host only."""
    error: OSError | None = None
    for family, kind, protocol, _, address in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        sock = socket.socket(family, kind, protocol)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError(f"cannot connect to the Runtime API at {host!r}:{port}")


class Connection:
    """One HTTP/1.1 connection to the Runtime API, read through a buffer."""

    def __init__(self, host: str, port: int) -> None:
        # No time-out: ``next`` waits as long as there is no work. An ASCII host
        # goes as bytes: a str would load the idna codec (a millisecond of cold start).
        name: str | bytes = host.encode("ascii") if host.isascii() else host
        self.sock = _connect(name, port)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, head: bytes, body: bytes = b"") -> None:
        if len(body) < _JOIN_BELOW:
            self.sock.sendall(head + body)
        else:  # no copy of a large body
            self.sock.sendall(head)
            self.sock.sendall(body)

    def _fill(self, least: int) -> bytes:
        data = self.sock.recv(max(least, _READ_SIZE))
        if not data:
            raise _Closed("the Runtime API closed the connection")
        return data

    def _read_exactly(self, rest: bytes, size: int) -> tuple[bytes, bytes]:
        """``size`` bytes starting with ``rest``, and what came after them."""
        if len(rest) >= size:
            return rest[:size], rest[size:]
        parts, have = [rest], len(rest)
        while have < size:  # a large event: parts joined once, not copied per read
            data = self._fill(size - have)
            parts.append(data)
            have += len(data)
        joined = b"".join(parts)
        return joined[:size], joined[size:]

    def _read_head(self, buffer: bytes) -> tuple[bytes, int]:
        """Read on until ``buffer`` holds a whole response head: the buffer and
        where its head ends."""
        end = -1
        while end < 0:
            if len(buffer) > _MAX_HEAD:
                raise RuntimeApiError("the Runtime API's response head is too long")
            searched = max(0, len(buffer) - 3)
            try:
                buffer += self._fill(0)
            except _Closed:
                if buffer:
                    raise RuntimeApiError(
                        "the Runtime API closed the connection mid-response"
                    ) from None
                raise
            end = buffer.find(b"\r\n\r\n", searched)
        return buffer, end

    def read_response(self) -> tuple[int, dict[str, str], bytes, bool]:
        """Status, headers (lower-case names), body, and whether the connection stays open."""
        buffer = self.buffer or self.sock.recv(_READ_SIZE)
        end = buffer.find(b"\r\n\r\n")
        if end < 0:  # the head came in pieces, or not at all
            buffer, end = self._read_head(buffer)
        status_line, _, fields = buffer[:end].decode("latin-1").partition("\r\n")
        # HTTP/1.1 202 Accepted
        if status_line[:7] != "HTTP/1." or status_line[8:9] != " ":
            raise RuntimeApiError(f"not an HTTP/1.1 response: {status_line[:100]!r}")
        status = int(status_line[9:12])
        headers: dict[str, str] = {}
        for line in fields.split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        connection = headers.get("connection")
        keep_alive = status_line[7] != "0" and (connection is None or connection.lower() != "close")
        start = end + 4
        length = headers.get("content-length")
        if length is not None:
            stop = start + int(length)
            if len(buffer) >= stop:  # the whole body came with the head (the usual case)
                body, self.buffer = buffer[start:stop], buffer[stop:]
            else:
                body, self.buffer = self._read_exactly(buffer[start:], stop - start)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked(buffer[start:])
        else:  # the body runs to the end of the connection
            parts = [buffer[start:]]
            while data := self.sock.recv(_READ_SIZE):
                parts.append(data)
            body, self.buffer, keep_alive = b"".join(parts), b"", False
        return status, headers, body, keep_alive

    def _read_chunked(self, rest: bytes) -> bytes:
        chunks: list[bytes] = []
        while True:
            while (line_end := rest.find(b"\r\n")) < 0:
                rest += self._fill(0)
            size = int(rest[:line_end].split(b";")[0], 16)
            rest = rest[line_end + 2 :]
            if size == 0:
                while (end := rest.find(b"\r\n")) != 0:  # trailers, up to an empty line
                    if end < 0:
                        rest += self._fill(0)
                    else:
                        rest = rest[end + 2 :]
                self.buffer = rest[2:]
                return b"".join(chunks)
            chunk, rest = self._read_exactly(rest, size + 2)
            chunks.append(chunk[:size])


class RuntimeApi:
    """Requests to the Runtime API at ``host:port``, over one kept-alive connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"AWS_LAMBDA_RUNTIME_API must be host:port, not {address!r}")
        self.host = host.strip("[]")
        self.port = int(port)
        self._connection: Connection | None = None
        #: The header lines every request starts with, made once.
        self.host_lines = f"Host: {address}\r\nUser-Agent: {_USER_AGENT}\r\n".encode("latin-1")
        self._next_request = (
            f"GET {_PREFIX}/invocation/next HTTP/1.1\r\n".encode("ascii")
            + self.host_lines
            + b"\r\n"
        )
        #: A result's request head, but for its request id, content type and length.
        self._response_head = (
            f"POST {_PREFIX}/invocation/%b/response HTTP/1.1\r\n".encode("ascii")
            + self.host_lines.replace(b"%", b"%%")
            + b"Content-Type: %b\r\nContent-Length: %d\r\n\r\n"
        )

    def connect(self) -> Connection:
        """A new connection."""
        return Connection(self.host, self.port)

    def _exchange(self, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            connection = self._connection or self.connect()
            self._connection = connection
            try:
                connection.send(head, body)
                status, headers, payload, keep_alive = connection.read_response()
            except (_Closed, BrokenPipeError, ConnectionResetError):
                # The kept-alive connection was closed between requests: once more, anew.
                connection.close()
                self._connection = None
                if attempt == 2:
                    raise
                continue
            except BaseException:
                connection.close()
                self._connection = None
                raise
            if not keep_alive:
                connection.close()
                self._connection = None
            return status, headers, payload
        raise AssertionError("unreachable")

    def _post_head(self, path: str, length: int, extra: bytes) -> bytes:
        return b"POST %b HTTP/1.1\r\n%bContent-Length: %d\r\n%b\r\n" % (
            path.encode("latin-1", "replace"),
            self.host_lines,
            length,
            extra,
        )

    def next(self) -> NextInvocation:
        """The next event, waiting for it as long as it takes."""
        status, headers, body = self._exchange(self._next_request)
        if status != 200:
            raise RuntimeApiError(f"next invocation: status {status}: {body[:200]!r}")
        return NextInvocation(body, headers)

    def post_response(self, request_id: str, body: bytes, content_type: str) -> None:
        """A buffered result."""
        head = self._response_head % (
            request_id.encode("latin-1", "replace"),
            content_type.encode("latin-1"),
            len(body),
        )
        status, _, answer = self._exchange(head, body)
        if status != 202:
            raise RuntimeApiError(f"posting the response: status {status}: {answer[:200]!r}")

    def post_error(
        self, request_id: str, error_type: str, body: bytes, xray_cause: str = ""
    ) -> None:
        """The invocation failed before anything of the response was sent: its
        error document (JSON ``body``) and, as awslambdaric sends it, the X-Ray
        fault (left out from 1 MiB on, as awslambdaric does)."""
        extra = b""
        if xray_cause and len(xray_cause) < 1024 * 1024:
            extra = b"%b: %b\r\n" % (XRAY_CAUSE.encode("ascii"), header_value(xray_cause))
        self._post_error(f"{_PREFIX}/invocation/{request_id}/error", error_type, body, extra)

    def post_init_error(self, error_type: str, body: bytes) -> None:
        """Initialisation failed: the runtime exits after this."""
        self._post_error(f"{_PREFIX}/init/error", error_type, body)

    def restore_next(self) -> None:
        """SnapStart: Lambda snapshots the environment here; returns once restored."""
        request = f"GET {_PREFIX}/restore/next HTTP/1.1\r\n".encode("ascii")
        status, _, body = self._exchange(request + self.host_lines + b"\r\n")
        if status != 200:
            raise RuntimeApiError(f"restore next: status {status}: {body[:200]!r}")

    def post_restore_error(self, error_type: str, body: bytes) -> None:
        """SnapStart: an after-restore hook failed."""
        self._post_error(f"{_PREFIX}/restore/error", error_type, body)

    def _post_error(self, path: str, error_type: str, body: bytes, extra: bytes = b"") -> None:
        extra += b"Content-Type: application/json\r\n%b: %b\r\n" % (
            ERROR_TYPE.encode("ascii"),
            header_value(error_type),
        )
        status, _, answer = self._exchange(self._post_head(path, len(body), extra), body)
        if status != 202:
            raise RuntimeApiError(f"posting the error: status {status}: {answer[:200]!r}")

    def open_stream(self, request_id: str, content_type: str) -> ResponseStream:
        """A streamed response; nothing is sent until its first write."""
        return ResponseStream(self, request_id, content_type)


class ResponseStream:
    """One streamed response: a chunked POST opened on the first write.

    :attr:`opened` tells whether anything went out: until then a failure can
    still be posted to the ``error`` endpoint; after it only the error
    trailers of :meth:`close` can report it.
    """

    def __init__(self, api: RuntimeApi, request_id: str, content_type: str) -> None:
        self.api = api
        self.request_id = request_id
        self.content_type = content_type
        self.opened = False
        self.closed = False
        self._connection: Connection | None = None
        self._head = b""

    def _open(self) -> Connection:
        connection = self.api.connect()
        self._head = (
            b"POST %b HTTP/1.1\r\n%b%b: streaming\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: %b\r\nTrailer: %b, %b\r\n\r\n"
            % (
                f"{_PREFIX}/invocation/{self.request_id}/response".encode("latin-1", "replace"),
                self.api.host_lines,
                RESPONSE_MODE.encode("ascii"),
                header_value(self.content_type),
                ERROR_TYPE.encode("ascii"),
                ERROR_BODY.encode("ascii"),
            )
        )
        self._connection = connection
        self.opened = True
        return connection

    def _send(self, data: bytes) -> None:
        connection = self._connection or self._open()
        head, self._head = self._head, b""
        connection.send(head, data)  # the request head goes out with the first chunk

    def write(self, data: bytes) -> None:
        """Send ``data`` as one chunk, now."""
        if not data:
            return  # an empty chunk would end the body
        self._send(b"%x\r\n%b\r\n" % (len(data), data))

    def close(self, error_type: str | None = None, error_body: bytes = b"") -> None:
        """End the body; an error (its type, and its document as JSON) goes
        into the trailers."""
        if self.closed:
            return
        self.closed = True
        trailers = b""
        if error_type is not None:
            import base64

            trailers = b"%b: %b\r\n%b: %b\r\n" % (
                ERROR_TYPE.encode("ascii"),
                header_value(error_type),
                ERROR_BODY.encode("ascii"),
                base64.b64encode(error_body),
            )
        try:
            self._send(b"0\r\n" + trailers + b"\r\n")
            assert self._connection is not None
            status, _, answer, _ = self._connection.read_response()
        finally:
            if self._connection is not None:
                self._connection.close()
        if status != 202:
            raise RuntimeApiError(
                f"posting the streamed response: status {status}: {answer[:200]!r}"
            )
