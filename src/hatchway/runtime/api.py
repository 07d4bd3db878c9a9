"""A client of the Lambda Runtime API (``AWS_LAMBDA_RUNTIME_API``), stdlib only.

``GET /2018-06-01/runtime/invocation/next`` waits for an event; the result
goes back as ``POST .../invocation/{id}/response`` or ``.../error``; a failed
initialisation as ``POST /2018-06-01/runtime/init/error``. A streamed response
is one POST with ``Lambda-Runtime-Function-Response-Mode: streaming`` and
chunked transfer encoding, announcing the two error trailers up front
(HTTP/1.1 requires trailers to be declared in ``Trailer``); its connection is
closed after the last chunk, as AWS asks of streaming runtimes.
"""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any

__all__ = ["NextInvocation", "ResponseStream", "RuntimeApi", "RuntimeApiError"]

_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY = "Lambda-Runtime-Function-Error-Body"
RESPONSE_MODE = "Lambda-Runtime-Function-Response-Mode"
_USER_AGENT = "hatchway-runtime"


class RuntimeApiError(Exception):
    """The Runtime API answered with an unexpected status."""


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

    def __init__(self, body: bytes, headers: http.client.HTTPMessage) -> None:
        self.body = body
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id") or ""
        deadline = headers.get("Lambda-Runtime-Deadline-Ms") or ""
        self.deadline_ms = int(deadline) if deadline.isdigit() else 0
        self.function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        self.content_type = headers.get("Content-Type") or "application/json"


class RuntimeApi:
    """Requests to the Runtime API at ``host:port``, over one kept-alive connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"AWS_LAMBDA_RUNTIME_API must be host:port, not {address!r}")
        self.host = host.strip("[]")
        self.port = int(port)
        self._connection: http.client.HTTPConnection | None = None

    def connect(self) -> http.client.HTTPConnection:
        """A new connection (no time-out: ``next`` waits as long as there is no work)."""
        return http.client.HTTPConnection(self.host, self.port)

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"User-Agent": _USER_AGENT, **(headers or {})}
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = self.connect()
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The kept-alive connection was closed between requests: once more, anew.
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self._connection.close()
                self._connection = None
            return response.status, response.headers, payload
        raise AssertionError("unreachable")

    def next(self) -> NextInvocation:
        """The next event, waiting for it as long as it takes."""
        status, headers, body = self._request("GET", f"{_PREFIX}/invocation/next")
        if status != 200:
            raise RuntimeApiError(f"next invocation: status {status}: {body[:200]!r}")
        return NextInvocation(body, headers)

    def post_response(self, request_id: str, body: bytes, content_type: str) -> None:
        """A buffered result."""
        status, _, answer = self._request(
            "POST",
            f"{_PREFIX}/invocation/{request_id}/response",
            body,
            {"Content-Type": content_type},
        )
        if status != 202:
            raise RuntimeApiError(f"posting the response: status {status}: {answer[:200]!r}")

    def post_error(self, request_id: str, document: dict[str, Any]) -> None:
        """The invocation failed before anything of the response was sent."""
        self._post_error(f"{_PREFIX}/invocation/{request_id}/error", document)

    def post_init_error(self, document: dict[str, Any]) -> None:
        """Initialisation failed: the runtime exits after this."""
        self._post_error(f"{_PREFIX}/init/error", document)

    def _post_error(self, path: str, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode("utf-8")
        headers = {"Content-Type": "application/json", ERROR_TYPE: str(document["errorType"])}
        status, _, answer = self._request("POST", path, body, headers)
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
        self._connection: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        connection = self.api.connect()
        connection.putrequest(
            "POST", f"{_PREFIX}/invocation/{self.request_id}/response", skip_accept_encoding=True
        )
        connection.putheader("User-Agent", _USER_AGENT)
        connection.putheader(RESPONSE_MODE, "streaming")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.putheader("Content-Type", self.content_type)
        connection.putheader("Trailer", f"{ERROR_TYPE}, {ERROR_BODY}")
        connection.endheaders()
        self._connection = connection
        self.opened = True
        return connection

    def write(self, data: bytes) -> None:
        """Send ``data`` as one chunk, now."""
        if not data:
            return  # an empty chunk would end the body
        connection = self._connection or self._open()
        connection.send(b"%x\r\n%b\r\n" % (len(data), data))

    def close(self, error: dict[str, Any] | None = None) -> None:
        """End the body; ``error`` (an error document) goes into the trailers."""
        if self.closed:
            return
        self.closed = True
        connection = self._connection or self._open()
        trailers = b""
        if error is not None:
            encoded = base64.b64encode(json.dumps(error).encode("utf-8"))
            kind = " ".join(str(error["errorType"]).split())  # one header line, whatever it holds
            trailers = (
                f"{ERROR_TYPE}: {kind}\r\n".encode("latin-1", "replace")
                + f"{ERROR_BODY}: ".encode("ascii")
                + encoded
                + b"\r\n"
            )
        try:
            connection.send(b"0\r\n" + trailers + b"\r\n")
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status != 202:
            raise RuntimeApiError(
                f"posting the streamed response: status {response.status}: {answer[:200]!r}"
            )
