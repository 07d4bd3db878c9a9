"""Every log line hatchway writes at WARNING or above names the request: its
method, path and Lambda request id (issue 20).

The call sites are found by reading the source (``ast``), so a new
``logger.warning/error/exception/critical`` call fails here until it is either
triggered by a failing case below, with the fields checked, or listed among
the call sites that have no request, with the reason.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import hatchway
from hatchway import Adapter
from hatchway.errors import LifespanFailure
from hatchway.streaming import StreamingHandler
from hatchway.testing import LambdaContext, build_event
from helpers.events import http_api

SRC = Path(hatchway.__file__).resolve().parent
LEVELS = {"warning", "warn", "error", "exception", "critical"}

#: Call sites with no request to name, and why: (file under src/hatchway, format string).
NO_REQUEST = {
    ("runtime/loop.py", "LAMBDA_WARNING: Unhandled exception during init: %s"): (
        "the handler module failed to import: no invocation yet"
    ),
    ("runtime/loop.py", "the Runtime API did not take the result: %s"): (
        "the runtime loop's post of a result after the handler returned; it knows the "
        "request id only, and src/hatchway/runtime is being rewritten on the `runtime` "
        "branch (add the id there)"
    ),
    (
        "asgi/lifespan.py",
        "the app raised on the lifespan scope; continuing without lifespan "
        "(lifespan='on' makes this an error, lifespan='off' skips it)",
    ): (
        "lifespan startup runs once per environment, for the app, not for the request "
        "that happens to start it (that request's own failure line names it)"
    ),
    ("asgi/lifespan.py", "%s"): (
        "lifespan shutdown failed or did not complete: SIGTERM, exit or a SnapStart snapshot"
    ),
    (
        "asgi/lifespan.py",
        "lifespan startup cancelled before it finished; the next request runs it again",
    ): (
        "the startup a first request started was cut off by that request's deadline: the "
        "504 line written for the same request names it"
    ),
    (
        "lifecycle.py",
        "AWS_LAMBDA_INITIALIZATION_TYPE is snap-start but snapshot_restore_py cannot be "
        "imported: no snapshot or restore hooks (it ships in Lambda's Python runtimes)",
    ): "INIT, while the Adapter is built: no invocation yet",
    ("lifecycle.py", "warm-up %s answered %d"): (
        "a warm-up in INIT: no invocation yet; the line names the warm-up's path"
    ),
    ("lifecycle.py", "warm-up %s failed: %r"): (
        "a warm-up in INIT: no invocation yet; the line names the warm-up's path"
    ),
    ("lifecycle.py", "warm-up %s skipped: the warm-ups took over %.0f s"): (
        "a warm-up in INIT: no invocation yet; the line names the warm-up's path"
    ),
    ("asgi/lifespan.py", "lifespan shutdown skipped: an invocation is still running"): (
        "shutdown: SIGTERM or exit (from the signal handler, which has no request)"
    ),
}

#: Call sites written while the event is being parsed: the request id is known,
#: the method and path may be what failed to parse.
REQUEST_ID_ONLY = {
    ("adapter.py", "400 Bad Request (request id %s): %s"),
    (
        "sources/headers.py",
        "dropped %d request header(s) whose name is not an RFC 9110 token: %s %s",
    ),
    # A whole batch, not one request: each failed record's own line names POST and the route.
    (
        "batch.py",
        "%d later %s records not processed after the first failure, to keep their order; "
        "reported as failed (request id %s)",
    ),
}


class Site(NamedTuple):
    """One logging call: its file under src/hatchway, the function it is in,
    and its format string (the source text of the expression when it is not
    a literal, as when a helper builds it)."""

    file: str
    function: str
    message: str
    literal: bool


def call_sites() -> Iterator[Site]:
    """Every call of a logging method at WARNING or above on a logger-like
    name in src/hatchway."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        yield from _calls(tree, path.relative_to(SRC).as_posix(), "<module>")


def _calls(node: ast.AST, file: str, function: str) -> Iterator[Site]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _calls(child, file, child.name)
            continue
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr in LEVELS
        ):
            receiver = child.func.value
            name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
            if "log" in name.lower() and child.args:  # not warnings.warn, a dict's .error, ...
                first = child.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield Site(file, function, first.value, literal=True)
                else:
                    yield Site(file, function, ast.unparse(first), literal=False)
        yield from _calls(child, file, function)


ALL_SITES = sorted(set(call_sites()))
SITES = [(site.file, site.message) for site in ALL_SITES]


def site_of(file: str, function: str, message: str) -> tuple[str, str] | None:
    """The call site that wrote a record: its literal format string, else the
    one call with a built format string in that function."""
    here = [s for s in ALL_SITES if (s.file, s.function) == (file, function)]
    for site in here:
        if site.literal and site.message == message:
            return site.file, site.message
    built = [s for s in here if not s.literal]
    return (built[0].file, built[0].message) if len(built) == 1 else None


# The failing cases: each logs through one or more call sites for a request
# whose method, path and request id it returns.


async def ok_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def context(request_id: str, timeout: float = 30.0) -> LambdaContext:
    return LambdaContext(aws_request_id=request_id, timeout=timeout)


def bad_base64() -> tuple[str, str, str]:
    event = http_api("/upload", "POST")
    event["body"], event["isBase64Encoded"] = "!!not base64!!", True
    assert Adapter(ok_app, lifespan="off")(event, context("rid-400"))["statusCode"] == 400
    return "POST", "/upload", "rid-400"


def bad_base64_streamed() -> tuple[str, str, str]:
    streamer = StreamingHandler(Adapter(ok_app, lifespan="off", streaming=True))
    event = build_event("function-url", "POST", "/upload")
    event["body"], event["isBase64Encoded"] = "!!not base64!!", True
    source = streamer.source_for(event)
    assert source is not None
    streamer(source, event, context("rid-400s"), Sink())
    return "POST", "/upload", "rid-400s"


def dropped_header() -> tuple[str, str, str]:
    event = http_api("/headers", headers={"bad header": "x"})
    Adapter(ok_app, lifespan="off")(event, context("rid-drop"))
    return "GET", "/headers", "rid-drop"


def too_large() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 7_000_000})

    assert Adapter(app, lifespan="off")(http_api("/big"), context("rid-big"))["statusCode"] == 500
    return "GET", "/big", "rid-big"


def lifespan_failed() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        raise RuntimeError("database unreachable")

    with pytest.raises(LifespanFailure):
        Adapter(app, lifespan="on")(http_api("/first"), context("rid-life"))
    return "GET", "/first", "rid-life"


def app_raises() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise ValueError("boom")

    assert Adapter(app, lifespan="off")(http_api("/boom"), context("rid-500"))["statusCode"] == 500
    return "GET", "/boom", "rid-500"


def deadline_504() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(2)

    result = Adapter(app, lifespan="off")(http_api("/slow"), context("rid-504", timeout=0.6))
    assert result["statusCode"] == 504
    return "GET", "/slow", "rid-504"


def cancelled_after_response() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await ok_app(scope, receive, send)
        await asyncio.sleep(2)

    result = Adapter(app, lifespan="off")(http_api("/linger"), context("rid-late", timeout=0.6))
    assert result["statusCode"] == 200
    return "GET", "/linger", "rid-late"


def raised_after_response() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await ok_app(scope, receive, send)
        raise ValueError("after the response")

    result = Adapter(app, lifespan="off")(http_api("/after"), context("rid-after"))
    assert result["statusCode"] == 200
    return "GET", "/after", "rid-after"


def stream_interrupted() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"one", "more_body": True})
        raise ValueError("broke mid-stream")

    streamer = StreamingHandler(Adapter(app, lifespan="off", streaming=True))
    event = build_event("function-url", "GET", "/stream")
    source = streamer.source_for(event)
    assert source is not None
    with pytest.raises(ValueError, match="mid-stream"):
        streamer(source, event, context("rid-stream"), Sink())
    return "GET", "/stream", "rid-stream"


def passthrough_refused() -> tuple[str, str, str]:
    handler = Adapter(ok_app, lifespan="off", passthrough="/events")
    assert handler(http_api("/events"), context("rid-404"))["statusCode"] == 404
    return "GET", "/events", "rid-404"


def too_many_cookies() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        cookies = [(b"set-cookie", f"c{i}=1".encode()) for i in range(600)]
        await send({"type": "http.response.start", "status": 200, "headers": cookies})
        await send({"type": "http.response.body", "body": b""})

    event = build_event("alb", "GET", "/cookies")
    assert Adapter(app, lifespan="off")(event, context("rid-cookies"))["statusCode"] == 500
    return "GET", "/cookies", "rid-cookies"


class Sink(bytearray):
    def write(self, data: bytes) -> None:
        self.extend(data)


class FailingClose(list[bytes]):
    def close(self) -> None:
        raise OSError("close failed")


def wsgi_close_raises() -> tuple[str, str, str]:
    def app(environ: dict[str, Any], start_response: Any) -> FailingClose:
        start_response("200 OK", [])
        return FailingClose([b"ok"])

    assert Adapter(app)(http_api("/close"), context("rid-close"))["statusCode"] == 200
    return "GET", "/close", "rid-close"


def wsgi_stuck() -> tuple[str, str, str]:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        time.sleep(0.4)
        start_response("200 OK", [])
        return [b"late"]

    Adapter(app)(http_api("/stuck"), context("rid-stuck", timeout=0.6))
    return "GET", "/stuck", "rid-stuck"


def json_app(size: int, text: str = "") -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = text.encode() if text else b'{"k":"' + b"v" * size + b'"}'
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def rescued_by_gzip() -> tuple[str, str, str]:
    event = http_api("/big.json", headers={"accept-encoding": "gzip"})
    result = Adapter(json_app(7_000_000), lifespan="off")(event, context("rid-gzip"))
    assert result["statusCode"] == 200
    return "GET", "/big.json", "rid-gzip"


def too_large_even_gzipped() -> tuple[str, str, str]:
    import os

    app = json_app(0, '"' + os.urandom(5_000_000).hex() + '"')
    event = http_api("/noise.json", headers={"accept-encoding": "gzip"})
    assert Adapter(app, lifespan="off")(event, context("rid-noise"))["statusCode"] == 500
    return "GET", "/noise.json", "rid-noise"


def near_the_limit() -> tuple[str, str, str]:
    result = Adapter(json_app(5_500_000), lifespan="off")(http_api("/near"), context("rid-near"))
    assert result["statusCode"] == 200
    return "GET", "/near", "rid-near"


def sqs_record(number: int) -> dict[str, Any]:
    return {
        "messageId": f"m-{number}",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:jobs.fifo",
        "attributes": {"MessageGroupId": "g"},
        "body": str(number),
    }


def batch_records_fail() -> tuple[str, str, str]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        record = json.loads((await receive())["body"])
        if record["body"] == "1":
            raise ValueError("record 1 is bad")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    handler = Adapter(app, lifespan="off", passthrough={"aws:sqs": "/sqs"})
    # A FIFO batch: record 0 passes, 1 fails (its error answered 500), 2 is not
    # processed after it.
    failed = handler({"Records": [sqs_record(0), sqs_record(1), sqs_record(2)]}, context("rid-b"))
    assert [f["itemIdentifier"] for f in failed["batchItemFailures"]] == ["m-1", "m-2"]
    # With errors="raise" the record's exception itself reaches the batch.
    raising = Adapter(app, lifespan="off", passthrough={"aws:sqs": "/sqs"}, errors="raise")
    failed = raising({"Records": [sqs_record(1)]}, context("rid-b"))
    assert [f["itemIdentifier"] for f in failed["batchItemFailures"]] == ["m-1"]
    return "POST", "/sqs", "rid-b"


CASES: list[Callable[[], tuple[str, str, str]]] = [
    bad_base64,
    bad_base64_streamed,
    dropped_header,
    too_large,
    lifespan_failed,
    app_raises,
    deadline_504,
    cancelled_after_response,
    raised_after_response,
    stream_interrupted,
    passthrough_refused,
    too_many_cookies,
    wsgi_close_raises,
    wsgi_stuck,
    rescued_by_gzip,
    too_large_even_gzipped,
    near_the_limit,
    batch_records_fail,
]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@functools.cache
def logged() -> dict[tuple[str, str], list[tuple[str, tuple[str, str, str]]]]:
    """Each call site reached by the cases: the messages it logged, with the
    request (method, path, request id) of the case that reached it."""
    collect = Collect()
    root = logging.getLogger()
    root.addHandler(collect)
    try:
        reached: dict[tuple[str, str], list[tuple[str, tuple[str, str, str]]]] = {}
        for case in CASES:
            start = len(collect.records)
            request = case()
            for record in collect.records[start:]:
                path = Path(record.pathname).resolve()
                if SRC not in path.parents:
                    continue  # a framework's own line
                site = site_of(path.relative_to(SRC).as_posix(), record.funcName, str(record.msg))
                assert site is not None, f"no call site found for {record.msg!r}"
                reached.setdefault(site, []).append((record.getMessage(), request))
        return reached
    finally:
        root.removeHandler(collect)


@pytest.mark.parametrize("site", SITES, ids=[f"{f}:{m[:40]}" for f, m in SITES])
def test_each_warning_or_error_names_its_request(site: tuple[str, str]) -> None:
    if site in NO_REQUEST:
        assert NO_REQUEST[site].strip()
        return
    lines = logged().get(site)
    assert lines, f"no case below reaches {site}: add one, or list it in NO_REQUEST with why"
    for message, (method, path, request_id) in lines:
        assert f"request id {request_id}" in message
        if site not in REQUEST_ID_ONLY:
            assert f"{method} {path}" in message


def test_the_tables_name_only_existing_call_sites() -> None:
    assert set(NO_REQUEST) - set(SITES) == set()
    assert REQUEST_ID_ONLY - set(SITES) == set()


def test_the_walk_finds_the_calls_it_should() -> None:
    # The walk itself: a check that cannot silently find nothing.
    found = {(site.file, site.message[:22]) for site in call_sites()}
    assert ("adapter.py", "500 Internal Server Er") in found
    assert ("wsgi.py", "the WSGI app's close()") in found
    assert len(SITES) >= 15
