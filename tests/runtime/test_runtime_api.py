"""hatchway.runtime.api: the socket client of the Runtime API, against a peer
that answers with scripted bytes (split heads, chunked and large bodies,
closed connections)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

import pytest

from hatchway.runtime.api import RuntimeApi, RuntimeApiError, header_value

NEXT_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"Lambda-Runtime-Aws-Request-Id: r-1\r\nLambda-Runtime-Deadline-Ms: 1700000000000\r\n"
    b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-west-1:1:function:f\r\n"
    b"Lambda-Runtime-Trace-Id: Root=1-abc\r\nLambda-Runtime-Aws-Tenant-Id: t-9\r\n"
)
ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"

Script = Callable[[socket.socket, int], None]


class ScriptedPeer:
    """Accepts connections; each is handed to ``script`` with its number."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            number = self.connections
            threading.Thread(target=self._run, args=(connection, number), daemon=True).start()

    def _run(self, connection: socket.socket, number: int) -> None:
        with connection, contextlib.suppress(OSError):
            self.script(connection, number)

    def read_request(self, connection: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += connection.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                while len(rest) < int(line.split(b":")[1]):
                    rest += connection.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + rest)
        return head

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def peer():
    made: list[ScriptedPeer] = []

    def make(script: Script) -> ScriptedPeer:
        made.append(ScriptedPeer(script))
        return made[-1]

    yield make
    for item in made:
        item.close()


def test_an_event_split_across_many_reads_with_a_large_body(peer):
    body = b'{"data": "' + b"x" * (3 * 1024 * 1024) + b'"}'

    def script(connection: socket.socket, number: int) -> None:
        server.read_request(connection)
        data = NEXT_HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
        for start in range(0, len(data), 7001):  # odd pieces: the head split mid-line
            connection.sendall(data[start : start + 7001])
            if start < 50_000:
                time.sleep(0.0005)
        server.read_request(connection)

    server = peer(script)
    invocation = RuntimeApi(server.address).next()
    assert invocation.body == body
    assert invocation.request_id == "r-1"
    assert invocation.deadline_ms == 1_700_000_000_000
    assert invocation.function_arn == "arn:aws:lambda:eu-west-1:1:function:f"
    assert invocation.trace_id == "Root=1-abc"
    assert invocation.tenant_id == "t-9"
    assert invocation.content_type == "application/json"
    assert server.requests[0].startswith(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n")


def test_a_chunked_answer_with_trailers_and_the_next_answer_on_the_same_connection(peer):
    def script(connection: socket.socket, number: int) -> None:
        server.read_request(connection)
        connection.sendall(
            NEXT_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
            b'4\r\n{"a"\r\n3;ext=1\r\n: 1\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n'
        )
        server.read_request(connection)
        connection.sendall(ACCEPTED)
        server.read_request(connection)

    server = peer(script)
    api = RuntimeApi(server.address)
    assert api.next().body == b'{"a": 1}'
    api.post_response("r-1", b'"ok"', "application/json")
    assert server.connections == 1
    post = server.requests[1]
    assert post.startswith(b"POST /2018-06-01/runtime/invocation/r-1/response HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 4\r\n" in post
    assert post.endswith(b'\r\n\r\n"ok"')


def test_a_kept_alive_connection_closed_by_the_peer_is_opened_again(peer):
    def script(connection: socket.socket, number: int) -> None:
        server.read_request(connection)
        if number == 1:
            connection.sendall(NEXT_HEAD + b"Content-Length: 2\r\n\r\n{}")
            return  # closed without a word: the next request finds it gone
        connection.sendall(ACCEPTED)

    server = peer(script)
    api = RuntimeApi(server.address)
    api.next()
    time.sleep(0.05)
    api.post_response("r-1", b"{}", "application/json")
    assert server.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            id="connection-close",
        ),
        pytest.param(
            b"HTTP/1.1 202 Accepted\r\nconnection:  Close \r\nContent-Length: 0\r\n\r\n",
            id="any-case-and-spaces",
        ),
        pytest.param(b"HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n", id="http-1.0"),
    ],
)
def test_connection_close_is_honoured(peer, answer):
    def script(connection: socket.socket, number: int) -> None:
        server.read_request(connection)
        connection.sendall(answer)
        if number == 1:
            time.sleep(0.5)  # still open, but the client must not reuse it

    server = peer(script)
    api = RuntimeApi(server.address)
    api.post_response("r-1", b"{}", "application/json")
    api.post_response("r-2", b"{}", "application/json")
    assert server.connections == 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        pytest.param(
            b"HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\n\r\nbig", "status 413", id="413"
        ),
        pytest.param(b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.1 response", id="not-http"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Le", "closed the connection", id="cut-short"),
    ],
)
def test_unexpected_answers_raise_runtime_api_error(peer, answer, error):
    def script(connection: socket.socket, number: int) -> None:
        server.read_request(connection)
        connection.sendall(answer)

    server = peer(script)
    with pytest.raises(RuntimeApiError, match=error):
        RuntimeApi(server.address).post_response("r-1", b"{}", "application/json")


def test_error_posts_carry_one_line_headers(peer):
    def script(connection: socket.socket, number: int) -> None:
        server.read_request(connection)
        connection.sendall(ACCEPTED)

    server = peer(script)
    RuntimeApi(server.address).post_error(
        "r-1", "Bad\r\nX-Injected: 1\x00", b'{"errorType": "x"}', '{"cause": "a\\nb"}'
    )
    head = server.requests[0].partition(b"\r\n\r\n")[0].split(b"\r\n")
    assert b"Lambda-Runtime-Function-Error-Type: Bad X-Injected: 1" in head
    assert b'Lambda-Runtime-Function-XRay-Error-Cause: {"cause": "a\\nb"}' in head
    assert not any(line.startswith(b"X-Injected") for line in head)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ValueError", b"ValueError"),
        ("a\r\nb", b"a b"),
        ("tab\there", b"tab here"),
        ("nul\x00byte", b"nul byte"),
        ("caf\u00e9", b"caf\xe9"),
        ("snow\u2603man", b"snow?man"),
    ],
)
def test_header_value_is_one_latin_1_line(value, expected):
    assert header_value(value) == expected


def test_address_must_be_host_and_port():
    with pytest.raises(ValueError, match="host:port"):
        RuntimeApi("localhost")
