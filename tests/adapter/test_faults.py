"""Fault injection: every failure mode of an invocation and every known trap of
the event formats, as an app fault or an event fault, each followed by a
normal invocation on the same handler that must succeed.

The apps misbehave only on /fault/<name>; /ok is always answered normally.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from hatchway import Adapter, HatchwayError, InvalidEvent, UnsupportedEvent
from hatchway.testing import LambdaContext, build_event, read_response

BIG = 7 * 1024 * 1024  # over the 6 MB synchronous-invoke limit


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await receive()
    fault = scope["path"].removeprefix("/fault/")

    async def respond(status: Any = 200, headers: Any = None, body: bytes = b"ok") -> None:
        if headers is None:
            headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    if fault == "raise-before-start":
        raise RuntimeError("app fault")
    if fault == "raise-after-complete":
        await respond()
        raise RuntimeError("late fault")
    if fault == "no-response":
        return
    if fault == "start-only":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        return
    if fault == "bad-message":
        await send({"type": "http.response.body", "body": b"before start"})
    if fault == "crlf-header":
        await respond(headers=[(b"x-a", b"1\r\nSet-Cookie: evil=1")])
    if fault == "nul-header":
        await respond(headers=[(b"x-a", b"1\0")])
    if fault == "bad-status":
        await respond(status=1000)
    if fault == "slow":
        await asyncio.sleep(30)
    if fault == "huge":
        await respond(headers=[(b"content-type", b"application/octet-stream")], body=b"x" * BIG)
    if fault == "alb-huge":
        await respond(body=b"x" * (1024 * 1024 + 1))
    if fault == "cookies":
        await respond(
            headers=[
                (b"set-cookie", b"a=1"),
                (b"set-cookie", b"b=2"),
                (b"vary", b"A"),
                (b"vary", b"B"),
            ]
        )
    if fault == "gzip":
        await respond(
            headers=[(b"content-type", b"application/json"), (b"content-encoding", b"gzip")],
            body=b"\x1f\x8b",
        )
    if fault == "no-content":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    if fault.startswith("echo"):
        body = repr(
            (scope["path"], scope["raw_path"], scope["query_string"], scope["client"])
        ).encode()
        await respond(body=body)
    await respond()


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
    fault = environ["PATH_INFO"].removeprefix("/fault/")
    if fault == "raise-before-start":
        raise RuntimeError("app fault")
    if fault == "no-start-response":
        return []
    if fault == "start-twice":
        start_response("200 OK", [("X-First", "1")])
        start_response("200 OK", [("X-Second", "1")])
        return [b"x"]
    if fault == "crlf-header":
        start_response("200 OK", [("X-A", "1\r\nSet-Cookie: evil=1")])
        return [b"x"]
    if fault == "bad-status":
        start_response("abc", [])
        return [b"x"]
    if fault == "unclosed":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Closing()
    if fault == "server":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [
            f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']} "
            f"{environ['wsgi.url_scheme']}".encode()
        ]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


class Closing:
    closed = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b"ok"

    def close(self) -> None:
        Closing.closed += 1


@dataclass
class Fault:
    """One fault: what is sent, and what must come out."""

    interface: str
    path: str = "/"
    source: str = "apigw-http"
    event: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # mutates the built event
    options: dict[str, Any] = field(default_factory=dict)
    context: Callable[[], Any] = LambdaContext
    status: int | None = 200
    raises: type[BaseException] | None = None
    log: str = ""
    check: Callable[[Any], None] | None = None


def null(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def mutate(event: dict[str, Any]) -> dict[str, Any]:
        target = event
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = None
        return event

    return mutate


def replace(**values: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def mutate(event: dict[str, Any]) -> dict[str, Any]:
        event.update(values)
        return event

    return mutate


def near_deadline() -> LambdaContext:
    context = LambdaContext()
    context.set_remaining_time(0.6)  # the default margin of 0.5 s leaves 0.1 s
    return context


def body_is(expected: bytes) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        assert response.body == expected

    return check


def cookies_and_vary_kept(response: Any) -> None:
    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert (
        ", ".join(v for k, v in response.headers if k.lower() == "vary").replace(" ", "") == "A,B"
    )


def no_content_type(response: Any) -> None:
    assert all(k.lower() != "content-type" for k, _ in response.headers)


FAULTS = {
    # Failure modes: events no source takes, malformed events, app errors, limits.
    "unknown-event": Fault(
        "asgi",
        event=lambda e: {"Records": [{"eventSource": "aws:sqs"}]},
        status=None,
        raises=UnsupportedEvent,
    ),
    "websocket-event": Fault(
        "wsgi",
        event=lambda e: {"requestContext": {"connectionId": "x"}},
        status=None,
        raises=UnsupportedEvent,
    ),
    "malformed-no-method": Fault(
        "asgi", source="apigw-rest", event=null("httpMethod"), status=None, raises=InvalidEvent
    ),
    "malformed-path-type": Fault(
        "wsgi", source="alb", event=replace(path=["/"]), status=None, raises=InvalidEvent
    ),
    "invalid-base64-body": Fault(
        "asgi", event=replace(body="not base64!", isBase64Encoded=True), status=400, log="base64"
    ),
    "asgi-raise-before-start": Fault(
        "asgi", "/fault/raise-before-start", status=500, log="RuntimeError: app fault"
    ),
    "wsgi-raise-before-start": Fault(
        "wsgi", "/fault/raise-before-start", status=500, log="RuntimeError: app fault"
    ),
    "raise-with-errors-raise": Fault(
        "asgi",
        "/fault/raise-before-start",
        options={"errors": "raise"},
        status=None,
        raises=RuntimeError,
    ),
    "raise-after-complete": Fault(
        "asgi", "/fault/raise-after-complete", status=200, log="late fault"
    ),
    "late-raise-with-errors-raise": Fault(
        "asgi",
        "/fault/raise-after-complete",
        options={"errors": "raise"},
        status=None,
        raises=RuntimeError,
    ),
    "asgi-no-response": Fault("asgi", "/fault/no-response", status=500, log="never started"),
    "asgi-start-only": Fault("asgi", "/fault/start-only", status=500, log="unfinished"),
    "wsgi-no-start-response": Fault(
        "wsgi", "/fault/no-start-response", status=500, log="start_response"
    ),
    "asgi-invalid-message": Fault("asgi", "/fault/bad-message", status=500, log="ProtocolError"),
    "asgi-crlf-header": Fault("asgi", "/fault/crlf-header", status=500, log="forbidden character"),
    "asgi-nul-header": Fault("asgi", "/fault/nul-header", status=500, log="forbidden character"),
    "wsgi-crlf-header": Fault("wsgi", "/fault/crlf-header", status=500, log="forbidden character"),
    "asgi-invalid-status": Fault(
        "asgi", "/fault/bad-status", status=500, log="invalid HTTP status"
    ),
    "wsgi-invalid-status": Fault(
        "wsgi", "/fault/bad-status", status=500, log="invalid WSGI status"
    ),
    "timeout-guard": Fault(
        "asgi", "/fault/slow", context=near_deadline, status=504, log="504 Gateway Timeout"
    ),
    "over-6MB": Fault("asgi", "/fault/huge", status=500, log="over the 6291556-byte limit"),
    "alb-over-1MB": Fault(
        "asgi", "/fault/alb-huge", source="alb", status=500, log="over the 1048576-byte limit"
    ),
    # Traps of the event formats, each one a mistake other adapters made.
    "http-api-path-not-decoded-twice": Fault(
        "asgi",
        "/fault/echo/100%25/",
        status=200,
        check=lambda r: assert_in(b"'/fault/echo/100%/'", r.body),
    ),
    "alb-query-not-re-encoded": Fault(
        "asgi",
        "/fault/echo?q=%3Fx%3D1&q=a+b",
        source="alb",
        options={},
        status=200,
        check=lambda r: assert_in(b"b'q=a+b'", r.body),
    ),
    "client-ip-not-from-first-xff": Fault(
        "asgi",
        "/fault/echo",
        source="alb",
        event=lambda e: xff(e, "6.6.6.6, 203.0.113.7"),
        status=200,
        check=lambda r: assert_in(b"('203.0.113.7', 0)", r.body),
    ),
    "cookies-and-repeats-kept": Fault(
        "asgi", "/fault/cookies", source="alb", status=200, check=cookies_and_vary_kept
    ),
    "gzip-json-is-binary": Fault("asgi", "/fault/gzip", status=200, check=body_is(b"\x1f\x8b")),
    "no-invented-content-type": Fault(
        "asgi", "/fault/no-content", source="apigw-rest", status=204, check=no_content_type
    ),
    "start-response-twice": Fault("wsgi", "/fault/start-twice", status=500, log="second time"),
    "iterable-closed": Fault(
        "wsgi", "/fault/unclosed", status=200, check=lambda r: assert_in(1, [Closing.closed])
    ),
    "no-host-health-check": Fault(
        "wsgi",
        "/fault/server",
        source="alb",
        event=lambda e: replace(headers=None)(e),
        status=200,
        check=body_is(b"localhost:443 https"),
    ),
    "null-request-context": Fault(
        "wsgi", source="apigw-rest", event=null("requestContext"), status=200
    ),
    "null-headers": Fault("asgi", source="apigw-rest", event=null("headers"), status=200),
    "null-authorizer": Fault(
        "asgi",
        source="apigw-http",
        event=lambda e: {**e, "requestContext": {**e["requestContext"], "authorizer": None}},
        status=200,
    ),
}


def assert_in(needle: Any, haystack: Any) -> None:
    assert needle in haystack


def xff(event: dict[str, Any], value: str) -> dict[str, Any]:
    event["headers"]["x-forwarded-for"] = value
    return event


HANDLERS: dict[tuple[str, str], Adapter] = {}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_then_a_normal_invocation(name: str, caplog: pytest.LogCaptureFixture) -> None:
    fault = FAULTS[name]
    app = asgi_app if fault.interface == "asgi" else wsgi_app
    handler = Adapter(app, **fault.options)
    event = build_event(fault.source, "GET", fault.path)
    if fault.event is not None:
        event = fault.event(event)
    caplog.set_level(logging.INFO, logger="hatchway")
    started = time.monotonic()
    if fault.raises is not None:
        with pytest.raises(fault.raises):
            handler(event, fault.context())
    else:
        result = handler(event, fault.context())
        response = read_response(fault.source, result)
        assert response.status == fault.status
        if fault.check is not None:
            fault.check(response)
    assert time.monotonic() - started < 5, "a fault must never hang the invocation"
    if fault.log:
        assert fault.log in caplog.text
    # The same handler, the same process: the next invocation is unharmed.
    normal = handler(build_event(fault.source, "GET", "/ok"), LambdaContext())
    assert read_response(fault.source, normal).status == 200
    assert read_response(fault.source, normal).body == b"ok"


def test_errors_are_logged_with_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    handler = Adapter(asgi_app)
    handler(
        build_event("apigw-http", "GET", "/fault/raise-before-start"),
        LambdaContext(aws_request_id="rid-77"),
    )
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "hatchway"
    assert "rid-77" in record.getMessage()


def test_nothing_logged_per_request_at_info_by_default(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hatchway")
    handler = Adapter(wsgi_app)
    for _ in range(3):
        handler(build_event("apigw-http", "GET", "/ok"), LambdaContext())
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


def test_opt_in_access_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hatchway.access")
    handler = Adapter(wsgi_app, access_log=True)
    handler(build_event("apigw-http", "GET", "/ok"), LambdaContext(aws_request_id="rid-1"))
    [record] = caplog.records
    assert record.name == "hatchway.access"
    message = record.getMessage()
    assert message.startswith("GET /ok 200 ")
    assert "ms 2 bytes (request id rid-1)" in message


def test_timeout_guard_is_off_without_remaining_time_and_when_disabled() -> None:
    async def slowish(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(0.3)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    def seconds_left(seconds: float) -> LambdaContext:
        context = LambdaContext()
        context.set_remaining_time(seconds)
        return context

    event = build_event("apigw-http", "GET", "/")
    guarded = Adapter(slowish, lifespan="off")
    unguarded = Adapter(slowish, lifespan="off", timeout_margin=None)
    assert guarded(event, object())["statusCode"] == 200  # no remaining time: no guard
    assert unguarded(event, seconds_left(0.55))["statusCode"] == 200
    assert guarded(event, seconds_left(2.0))["statusCode"] == 200  # 1.5 s is enough
    started = time.monotonic()
    assert guarded(event, seconds_left(0.55))["statusCode"] == 504
    # Cancelled once the margin is reached (0.05 s), give or take the watchdog's poll.
    assert time.monotonic() - started < 0.25
    assert guarded(event, seconds_left(2.0))["statusCode"] == 200


def test_timeout_margin_is_validated() -> None:
    for bad in (-1, "1", True):
        with pytest.raises(ValueError, match="timeout_margin"):
            Adapter(asgi_app, timeout_margin=bad)  # type: ignore[arg-type]


def test_context_variables_do_not_leak_between_invocations() -> None:
    import contextvars

    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        before = seen.get()
        seen.set(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [before.encode()]

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        before = seen.get()
        seen.set(scope["path"])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": before.encode()})

    for handler in (Adapter(app), Adapter(asgi, lifespan="off")):
        bodies = [
            handler(build_event("apigw-http", "GET", f"/{i}"), LambdaContext())["body"]
            for i in range(3)
        ]
        assert bodies == ["unset"] * 3


def test_no_scope_or_environ_state_leaks() -> None:
    scopes: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)
        scope["state"]["mine"] = scope["path"]
        scope["headers"].append((b"x-added", b"1"))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = Adapter(app, lifespan="off")
    for path in ("/a", "/b"):
        handler(build_event("apigw-http", "GET", path), LambdaContext())
    assert scopes[0] is not scopes[1]
    assert scopes[1]["state"] == {"mine": "/b"}
    assert [h for h in scopes[1]["headers"] if h[0] == b"x-added"] == [(b"x-added", b"1")]


def test_wsgi_threads_at_once() -> None:
    import threading

    handler = Adapter(wsgi_app)
    results: list[int] = []

    def call() -> None:
        for _ in range(50):
            results.append(handler(build_event("alb", "GET", "/ok"), LambdaContext())["statusCode"])

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [200] * 200


def test_huge_binary_within_limit_is_not_refused() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"image/png")],
            }
        )
        await send({"type": "http.response.body", "body": b"\x89" * (4 * 1024 * 1024)})

    result = Adapter(app, lifespan="off")(build_event("apigw-http", "GET", "/"), LambdaContext())
    assert result["statusCode"] == 200
    assert len(base64.b64decode(result["body"])) == 4 * 1024 * 1024


def test_only_documented_exceptions_escape() -> None:
    assert issubclass(UnsupportedEvent, HatchwayError)
    assert issubclass(InvalidEvent, HatchwayError)
    assert sys.version_info >= (3, 10)


def test_size_guard_never_serialises_a_response(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import hatchway.limits

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the size guard serialised the response")

    monkeypatch.setattr(json, "dumps", refuse)
    limit = hatchway.limits.SYNC_INVOKE_LIMIT
    headers = {"x" * 50: "y" * 50}
    within = {
        "statusCode": 200,
        "headers": headers,
        "body": "A" * 5_000_000,
        "isBase64Encoded": True,
    }
    assert hatchway.limits.counted_size(within, limit) is None  # its length alone decides
    over = {"statusCode": 200, "headers": headers, "body": "A" * 6_300_000, "isBase64Encoded": True}
    over_size = hatchway.limits.counted_size(over, limit)
    text = {
        "statusCode": 200,
        "headers": headers,
        "body": "é" * 1_100_000,
        "isBase64Encoded": False,
    }
    text_size = hatchway.limits.counted_size(text, limit)  # over at its costliest escapes
    ensure_ascii = hatchway.limits.escapes_non_ascii()
    monkeypatch.undo()
    assert over_size == len(json.dumps(over).encode())
    size = len(json.dumps(text, ensure_ascii=ensure_ascii).encode())
    assert text_size == size
