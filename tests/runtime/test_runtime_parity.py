"""hatchway's runtime loop against the real awslambdaric: the same handler and
events, and what the Runtime API receives from each compared.

A recording Runtime API (a threaded HTTP/1.1 server on 127.0.0.1) hands out
the events and keeps every result, error and init-error post with its
headers; each runtime runs as a child process, as in Lambda.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("awslambdaric")

pytestmark = pytest.mark.subprocess

TARGETS = Path(__file__).resolve().parents[1] / "runtime_targets"
SRC = Path(__file__).resolve().parents[2] / "src"
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:parity"
TIMEOUT = 20.0
RUNTIMES = {
    "awslambdaric": [sys.executable, "-m", "awslambdaric"],
    "hatchway": [sys.executable, "-m", "hatchway.runtime"],
}


class Post:
    """One request a runtime made, other than ``next``."""

    def __init__(self, path: str, headers: dict[str, str], body: bytes) -> None:
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def kind(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def json(self) -> Any:
        return json.loads(self.body)


class RecordingRuntimeApi:
    """Hands out ``events`` (body, extra headers) in order and records the posts.

    With ``close_after_answer`` it closes the connection after every answer
    without saying so first, as a peer closing a kept-alive connection does.
    """

    def __init__(
        self, events: list[tuple[bytes, dict[str, str]]], close_after_answer: bool = False
    ) -> None:
        self.events = list(events)
        self.close_after_answer = close_after_answer
        self.posts: list[Post] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.served = 0
        self.restored = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while self._one(connection, reader) and not self.close_after_answer:
                pass
        except OSError:
            pass
        finally:
            reader.close()
            connection.close()

    def _one(self, connection: socket.socket, reader: Any) -> bool:
        line = reader.readline()
        if not line:
            return False
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            assert name.lower() not in headers or name.lower() == "trailer", header
            headers[name.strip().lower()] = value.strip()
        if method == "GET" and path.endswith("/restore/next"):
            self.restored += 1
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            return True
        if method == "GET":
            return self._next(connection)
        if headers.get("transfer-encoding") == "chunked":
            parts = []
            while size := int(reader.readline().split(b";")[0], 16):
                parts.append(reader.read(size))
                reader.readline()
            while reader.readline() not in (b"\r\n", b""):
                pass
            body = b"".join(parts)
        else:
            body = reader.read(int(headers.get("content-length", "0")))
        with self.lock:
            self.posts.append(Post(path, headers, body))
            if len([p for p in self.posts if p.kind != "error" or "invocation" in p.path]) >= len(
                self.events
            ) or path.endswith(("/init/error", "/restore/error")):
                self.done.set()
        connection.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
        return True

    def _next(self, connection: socket.socket) -> bool:
        with self.lock:
            number = self.served
            self.served += 1
        if number >= len(self.events):
            self.closed.wait(TIMEOUT)
            return False
        body, extra = self.events[number]
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": f"request-{number}",
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60_000),
            "Lambda-Runtime-Invoked-Function-Arn": ARN,
            "Lambda-Runtime-Trace-Id": f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={number}",
            **extra,
        }
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        connection.sendall(
            f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        return True


class Outcome:
    def __init__(self, posts: list[Post], output: str, restored: int, status: int | None) -> None:
        self.posts = posts
        self.output = output
        self.restored = restored
        self.status = status


def run_runtime(
    runtime: str,
    events: list[Any],
    *,
    handler: str = "parity.handler",
    env: dict[str, str] | None = None,
    close_after_answer: bool = False,
) -> Outcome:
    """Run ``runtime`` until it has answered every event (or reported an init
    error); the posts it made and everything it printed."""
    encoded = [
        (event if isinstance(event, bytes) else json.dumps(event).encode(), {})
        if not isinstance(event, tuple)
        else event
        for event in events
    ]
    api = RecordingRuntimeApi(encoded, close_after_answer)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_"))}
    environment.update(
        {
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_LAMBDA_FUNCTION_NAME": "parity",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/parity",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]abcdef",
            "AWS_REGION": "eu-west-1",
            "LAMBDA_TASK_ROOT": str(TARGETS),
            "_HANDLER": handler,
            "PYTHONPATH": os.pathsep.join([str(TARGETS), str(SRC)]),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
    )
    process = subprocess.Popen(
        [*RUNTIMES[runtime], handler],
        env=environment,
        cwd=TARGETS,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        finished = api.done.wait(TIMEOUT)
        try:  # a runtime that reported a failure exits by itself
            status = process.wait(1.0) if api.posts and api.posts[-1].kind == "error" else None
        except subprocess.TimeoutExpired:
            status = None
        process.kill()
        output, _ = process.communicate(timeout=TIMEOUT)
    finally:
        api.close()
        if process.poll() is None:
            process.kill()
    text = output.decode("utf-8", "replace")
    assert finished, f"{runtime} did not answer every event:\n{text[-3000:]}"
    return Outcome(api.posts, text, api.restored, status)


def both(events: list[Any], **options: Any) -> tuple[Outcome, Outcome]:
    return run_runtime("awslambdaric", events, **options), run_runtime(
        "hatchway", events, **options
    )


@pytest.mark.parametrize("execution_env", ["AWS_Lambda_python3.11", "AWS_Lambda_python3.12"])
def test_results_are_marshalled_as_awslambdaric_does(execution_env):
    # ensure_ascii follows AWS_EXECUTION_ENV in both: escaped up to 3.11, UTF-8 from 3.12.
    actions = ["values", "decimals", "nan", "bytes", "string", "none"]
    theirs, ours = both([{"action": a} for a in actions], env={"AWS_EXECUTION_ENV": execution_env})
    for action, their, our in zip(actions, theirs.posts, ours.posts, strict=True):
        assert (our.kind, our.headers["content-type"]) == (
            their.kind,
            their.headers["content-type"],
        ), action
        assert our.body == their.body, action


def _xray(post: Post) -> Any:
    return json.loads(post.headers["lambda-runtime-function-xray-error-cause"])


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"action": "raise"}, id="handler-raises"),
        pytest.param({"action": "raise-custom"}, id="multi-line-message"),
        pytest.param({"action": "unserialisable"}, id="marshal-error"),
        # (simplejson words a few other decode errors differently: docs/runtime.md)
        pytest.param(b"not json", id="unmarshal-error"),
    ],
)
def test_error_documents_and_xray_causes_as_awslambdaric_sends_them(event):
    theirs, ours = both([event, {"action": "string"}])
    their, our = theirs.posts[0], ours.posts[0]
    assert (our.kind, their.kind) == ("error", "error")
    assert our.json() == their.json()
    assert our.headers["content-type"] == "application/json"
    assert _xray(our) == _xray(their)
    # The next invocation is served as usual.
    assert ours.posts[1].body == theirs.posts[1].body == b'"just a string"'


def test_event_bytes_are_read_as_awslambdaric_reads_them():
    # Strict UTF-8 (an encoded surrogate is an unmarshal error) and a leading
    # byte order mark skipped, as simplejson does.
    string = json.dumps({"action": "string"}).encode()
    events = [b"\xef\xbb\xbf" + string, b'{"action": "\xed\xa0\x80"}', string]
    theirs, ours = both(events)
    assert [p.kind for p in ours.posts] == [p.kind for p in theirs.posts]
    assert [p.kind for p in ours.posts] == ["response", "error", "response"]
    assert [p.body for p in ours.posts[::2]] == [b'"just a string"'] * 2
    assert ours.posts[1].json() == theirs.posts[1].json()


def test_context_attributes_as_awslambdaric_gives_them():
    client_context = {
        "client": {"installation_id": "i-1", "app_title": "t"},
        "custom": {"k": "v"},
        "env": {"a": 1},
        "w3c": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x": "y"},
    }
    identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    headers = {
        "Lambda-Runtime-Client-Context": json.dumps(client_context),
        "Lambda-Runtime-Cognito-Identity": json.dumps(identity),
        "Lambda-Runtime-Aws-Tenant-Id": "tenant-7",
    }
    events = [(json.dumps({"action": "context"}).encode(), headers), {"action": "context"}]
    theirs, ours = both(events)
    for their, our in zip(theirs.posts, ours.posts, strict=True):
        assert our.json() == their.json()
    assert ours.posts[0].json()["tenant_id"] == "tenant-7"
    assert set(ours.posts[0].json()["w3c"]) == {"traceparent"}
    assert ours.posts[1].json()["trace"].endswith("Parent=1")


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param("no_such_module.handler", id="missing-module"),
        pytest.param("parity.nothing_here", id="missing-attribute"),
        pytest.param("nodots", id="malformed-name"),
    ],
)
def test_init_errors_as_awslambdaric_posts_them(handler):
    theirs, ours = both([{"action": "string"}], handler=handler)
    their, our = theirs.posts[-1], ours.posts[-1]
    assert our.path == their.path == "/2018-06-01/runtime/init/error"
    assert our.json() == their.json()
    assert (
        our.headers["lambda-runtime-function-error-type"]
        == their.headers["lambda-runtime-function-error-type"]
    )


def _fields(line: str) -> list[str]:
    level, stamp, request_id, message = line.split("\t")
    assert stamp.endswith("Z")
    assert "T" in stamp
    return [level, request_id, message]


def test_text_log_lines_as_awslambdaric_writes_them():
    env = {"AWS_LAMBDA_LOG_LEVEL": "INFO"}
    theirs, ours = both([{"action": "log"}], env=env)
    lines = []
    for outcome in (theirs, ours):
        line = next(x for x in outcome.output.splitlines() if "a message from" in x)
        lines.append(_fields(line))
        assert "a debug message" not in outcome.output  # the level filters
    assert lines[0] == lines[1] == ["[WARNING]", "request-0", "a message from the handler"]


def test_json_log_records_as_awslambdaric_writes_them():
    env = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
    theirs, ours = both([{"action": "log"}, {"action": "raise"}], env=env)
    records = []
    for outcome in (theirs, ours):
        found = {}
        for line in outcome.output.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                found[record.get("message") or record.get("errorType")] = record
        records.append(found)
    for key in ("a message from the handler", "a debug message", "ValueError"):
        their, our = records[0][key], records[1][key]
        assert set(our) == set(their), key
        for field in ("level", "logger", "requestId", "errorType", "errorMessage", "stackTrace"):
            assert our.get(field) == their.get(field), (key, field)


def test_an_exception_class_name_with_crlf_is_reported_and_the_loop_goes_on():
    outcome = run_runtime("hatchway", [{"action": "raise-injected"}, {"action": "string"}])
    error, answer = outcome.posts
    assert error.kind == "error"
    assert error.json()["errorType"] == "Bad\r\nX-Injected: yes"
    # One header line: the name's CR/LF became spaces, nothing was smuggled.
    assert error.headers["lambda-runtime-function-error-type"] == "Bad X-Injected: yes"
    assert "x-injected" not in error.headers
    assert answer.body == b'"just a string"'


def test_a_newline_in_a_log_message_cannot_forge_a_log_line():
    outcome = run_runtime("hatchway", [{"action": "log-forged"}])
    lines = [line for line in outcome.output.split("\n") if "admin logged in" in line]
    assert len(lines) == 1
    assert lines[0].startswith("[WARNING]\t")
    assert "GET /a\r[ERROR]\t" in lines[0]


def test_a_multi_line_error_message_cannot_forge_a_log_line():
    outcome = run_runtime("hatchway", [{"action": "raise-custom"}])
    headline = next(x for x in outcome.output.split("\n") if "line one" in x)
    assert headline.startswith("[ERROR] Odd: line one\rline two\rTraceback")


def test_the_runtime_api_closing_kept_alive_connections_is_survived():
    events = [{"action": "string"}, {"action": "raise"}, {"action": "bytes"}, {"n": 4}]
    outcome = run_runtime("hatchway", events, close_after_answer=True)
    assert [p.kind for p in outcome.posts] == ["response", "error", "response", "response"]
    assert outcome.posts[3].json() == {"echo": {"n": 4}}


def test_snap_start_hooks_run_around_restore_next_as_under_awslambdaric():
    env = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    theirs, ours = both([{"any": 1}], handler="snap.handler", env=env)
    assert ours.restored == theirs.restored == 1
    assert ours.posts[0].json() == theirs.posts[0].json()
    assert ours.posts[0].json() == {"calls": ["before-2", "before-1", "after-1", "after-2"]}


@pytest.mark.parametrize(
    ("failing", "path", "error_type", "status"),
    [
        ("before-1", "/2018-06-01/runtime/init/error", "Runtime.BeforeSnapshotError", 64),
        ("after-2", "/2018-06-01/runtime/restore/error", "Runtime.AfterRestoreError", 65),
    ],
)
def test_a_failing_snap_start_hook_is_reported_as_under_awslambdaric(
    failing, path, error_type, status
):
    env = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "SNAP_FAIL": failing}
    theirs, ours = both([{"any": 1}], handler="snap.handler", env=env)
    their, our = theirs.posts[-1], ours.posts[-1]
    assert our.path == their.path == path
    assert our.headers["lambda-runtime-function-error-type"] == error_type
    assert their.headers["lambda-runtime-function-error-type"] == error_type
    mine, reference = our.json(), their.json()
    # awslambdaric's trace keeps its own hook-runner frame; the loop leaves its own out.
    reference["stackTrace"] = [f for f in reference["stackTrace"] if "awslambdaric" not in f]
    assert mine == reference
    assert mine["errorMessage"] == f"{failing} failed"
    assert ours.status == theirs.status == status


def test_the_loop_starts_without_heavy_imports():
    # The cold start pays for every module: no http.client (email, ssl), argparse,
    # typing, pathlib, decimal or idna codec before the first invocation is answered.
    outcome = run_runtime("hatchway", [{}], handler="bare.handler")
    assert outcome.posts[0].json() == []
