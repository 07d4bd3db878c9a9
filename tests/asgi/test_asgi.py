"""The ASGI runner: scope, receive, strict send, errors, and the private loop."""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from typing import Any

import pytest

from hatchway import Adapter, ProtocolError
from helpers import AsgiRecorder, Context
from helpers.events import http_api

Send = Any
Receive = Any


def respond(
    status: int = 200, body: bytes = b"ok", headers: list[tuple[bytes, bytes]] | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": headers if headers is not None else [(b"content-type", b"text/plain")],
        },
        {"type": "http.response.body", "body": body},
    ]


def app_sending(*messages: dict[str, Any]) -> Any:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await receive()
        for message in messages:
            await send(message)

    return app


def test_scope_is_spec_complete(context: Context) -> None:
    app = AsgiRecorder()
    event = http_api("/a b", query="x=1", headers={"x-one": "1"})
    Adapter(app, lifespan="off")(event, context)
    scope = app.scope
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "https"
    assert scope["path"] == "/a b"
    assert scope["raw_path"] == b"/a%20b"
    assert scope["root_path"] == ""
    assert scope["query_string"] == b"x=1"
    assert (b"x-one", b"1") in scope["headers"]
    assert scope["client"] == ("203.0.113.9", 0)
    assert scope["server"] == ("api.example.com", 443)
    assert scope["state"] == {}
    assert scope["aws.event"] is event
    assert scope["aws.context"] is context


def test_body_arrives_whole_then_disconnect_only_after_the_response() -> None:
    order: list[str] = []

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        first = await receive()
        order.append(f"request:{first['body']!r}:{first['more_body']}")

        async def listen() -> None:
            message = await receive()
            order.append(message["type"])

        listener = asyncio.ensure_future(listen())
        for _ in range(5):
            await asyncio.sleep(0)
        order.append("start")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        for _ in range(5):
            await asyncio.sleep(0)
        order.append("last-chunk")
        await send({"type": "http.response.body", "body": b"b"})
        await listener

    result = Adapter(app, lifespan="off")(http_api(method="POST", body=b"payload"), Context())
    assert order == ["request:b'payload':False", "start", "last-chunk", "http.disconnect"]
    assert result["statusCode"] == 200
    assert (result["body"], result["isBase64Encoded"]) == ("ab", False)  # no type, UTF-8: text


def test_content_length_added_when_the_event_has_none() -> None:
    app = AsgiRecorder()
    Adapter(app, lifespan="off")(http_api(method="POST", body=b"12345"), Context())
    assert (b"content-length", b"5") in app.scope["headers"]
    event = http_api(method="POST", body=b"12345", headers={"content-length": "5"})
    Adapter(app, lifespan="off")(event, Context())
    assert [v for k, v in app.scope["headers"] if k == b"content-length"] == [b"5"]
    Adapter(app, lifespan="off")(http_api(), Context())
    assert all(k != b"content-length" for k, _ in app.scope["headers"])


@pytest.mark.parametrize(
    ("body", "framing", "length"),
    [
        (b"12345", {"content-length": "99"}, b"5"),
        (b"12345", {"content-length": "5, 5"}, b"5"),
        (b"12345", {"content-length": "5", "transfer-encoding": "chunked"}, b"5"),
        (b"12345", {"transfer-encoding": "chunked"}, b"5"),
        (b"", {"transfer-encoding": "chunked"}, b"0"),
        (b"", {"content-length": "7"}, b"0"),
    ],
    ids=["mismatched", "duplicate", "length-and-chunked", "chunked", "chunked-empty", "empty"],
)
def test_the_scope_frames_the_delivered_body_itself(
    body: bytes, framing: dict[str, str], length: bytes
) -> None:
    # The gateway hands over the whole body: the client's framing headers no
    # longer describe it, and one that disagrees misleads the app's parser.
    app = AsgiRecorder()
    Adapter(app, lifespan="off")(http_api(method="POST", body=body, headers=framing), Context())
    headers = app.scope["headers"]
    assert [v for k, v in headers if k == b"content-length"] == [length]
    assert [v for k, v in headers if k == b"transfer-encoding"] == []
    assert app.bodies[-1] == body


def test_response_headers_from_a_generator_keep_every_pair() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        pairs = [(b"content-type", b"text/plain"), (b"x-first-seen", b"1"), (b"x-two", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": iter(pairs)})
        await send({"type": "http.response.body", "body": b"ok"})

    result = Adapter(app, lifespan="off")(http_api(), Context())
    assert result["headers"] == {"content-type": "text/plain", "x-first-seen": "1", "x-two": "2"}


class NoDeadline(Context):
    """A context whose deadline is missing: the runtimes report 0 ms left then."""

    def get_remaining_time_in_millis(self) -> int:
        return 0


def test_a_missing_deadline_means_no_timeout_guard() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.1)
        for message in respond(body=b"waited"):
            await send(message)

    handler = Adapter(app, lifespan="off")
    for context in (NoDeadline(), Context()):  # Context has no get_remaining_time_in_millis
        result = handler(http_api(), context)
        assert (result["statusCode"], result["body"]) == (200, "waited")


def test_receive_after_the_response_is_an_immediate_disconnect() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await receive()
        for message in respond():
            await send(message)
        seen.append((await receive())["type"])

    Adapter(app, lifespan="off")(http_api(), Context())
    assert seen == ["http.disconnect"]


BAD_SEQUENCES = [
    ("body-before-start", [{"type": "http.response.body", "body": b"x"}]),
    ("start-twice", [respond()[0], respond()[0]]),
    ("status-as-string", [{"type": "http.response.start", "status": "200", "headers": []}]),
    ("status-bool", [{"type": "http.response.start", "status": True, "headers": []}]),
    ("status-below-100", [{"type": "http.response.start", "status": 99, "headers": []}]),
    ("status-above-599", [{"type": "http.response.start", "status": 600, "headers": []}]),
    ("header-name-str", [{"type": "http.response.start", "status": 200, "headers": [("a", b"b")]}]),
    (
        "header-value-crlf",
        [{"type": "http.response.start", "status": 200, "headers": [(b"a", b"b\r\nX: y")]}],
    ),
    (
        "header-value-lf",
        [{"type": "http.response.start", "status": 200, "headers": [(b"a", b"b\nc")]}],
    ),
    (
        "header-value-nul",
        [{"type": "http.response.start", "status": 200, "headers": [(b"a", b"b\0")]}],
    ),
    (
        "header-name-colon",
        [{"type": "http.response.start", "status": 200, "headers": [(b"a:b", b"c")]}],
    ),
    ("header-not-a-pair", [{"type": "http.response.start", "status": 200, "headers": [(b"a",)]}]),
    ("body-str", [respond()[0], {"type": "http.response.body", "body": "text"}]),
    ("unknown-message", [{"type": "http.response.push", "path": "/"}]),
    ("not-a-dict", ["http.response.start"]),
    ("returned-without-response", []),
    ("returned-after-start-only", [respond()[0]]),
    (
        "returned-mid-stream",
        [respond()[0], {"type": "http.response.body", "body": b"a", "more_body": True}],
    ),
]


@pytest.mark.parametrize(
    "messages", [m for _, m in BAD_SEQUENCES], ids=[i for i, _ in BAD_SEQUENCES]
)
def test_protocol_violations_are_500_and_logged(
    messages: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    adapter = Adapter(app_sending(*messages), lifespan="off")
    result = adapter(http_api(), Context("req-bad"))
    assert result["statusCode"] == 500
    assert result["body"] == "Internal Server Error"
    assert "req-bad" in caplog.text
    assert "ProtocolError" in caplog.text
    # The next invocation of a well-behaved app on the same process is unharmed.
    assert (
        Adapter(app_sending(*respond()), lifespan="off")(http_api(), Context())["statusCode"] == 200
    )


def test_a_value_accepted_before_is_still_refused_as_a_name() -> None:
    # Checked fields are remembered; a value may hold ":" and " ", a name not.
    field = b"x: smuggled"
    ok = Adapter(app_sending(*respond(headers=[(b"x-note", field)])), lifespan="off")
    assert ok(http_api(), Context())["headers"]["x-note"] == "x: smuggled"
    bad = Adapter(app_sending(*respond(headers=[(field, b"1")])), lifespan="off")
    assert bad(http_api(), Context())["statusCode"] == 500


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_bytes_like_header_fields_count_as_their_bytes(kind: Any) -> None:
    # The same every time, whether or not equal bytes were seen before.
    fresh = b"x-fresh-" + kind.__name__.encode()
    for name in (fresh, b"content-type"):
        headers = [(kind(name), kind(b"text/plain"))]
        result = Adapter(app_sending(*respond(headers=headers)), lifespan="off")(
            http_api(), Context()
        )
        assert result["statusCode"] == 200
        assert result["headers"][name.decode()] == "text/plain"


def test_errors_raise_propagates_protocol_errors() -> None:
    with pytest.raises(ProtocolError, match="never started"):
        Adapter(app_sending(), lifespan="off", errors="raise")(http_api(), Context())


def test_message_after_completion_keeps_the_response(caplog: pytest.LogCaptureFixture) -> None:
    app = app_sending(*respond(body=b"done"), respond()[1])
    result = Adapter(app, lifespan="off")(http_api(), Context())
    assert (result["statusCode"], result["body"]) == (200, "done")
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = record.getMessage()
    # Not "after its response was complete", which read as "all went well".
    assert "raised after sending its response (the client got status 200)" in message
    assert "GET / (request id req-1)" in message


def test_app_exception_before_response_is_500_with_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        raise KeyError("boom")

    with caplog.at_level(logging.ERROR, logger="hatchway"):
        result = Adapter(app, lifespan="off")(http_api("/x"), Context("req-42"))
    assert result == {
        "statusCode": 500,
        "headers": {"content-type": "text/plain; charset=utf-8"},
        "body": "Internal Server Error",
        "isBase64Encoded": False,
    }
    assert "req-42" in caplog.text
    assert "KeyError: 'boom'" in caplog.text


def test_errors_raise_reraises_app_exceptions() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        Adapter(app, lifespan="off", errors="raise")(http_api(), Context())


def test_app_exception_after_complete_response_keeps_it(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        for message in respond(body=b"kept"):
            await send(message)
        raise RuntimeError("late")

    result = Adapter(app, lifespan="off")(http_api(), Context())
    assert (result["statusCode"], result["body"]) == (200, "kept")
    assert "RuntimeError: late" in caplog.text


def test_asgi2_class_app() -> None:
    class Legacy:
        def __init__(self, scope: dict[str, Any]) -> None:
            self.scope = scope

        async def __call__(self, receive: Receive, send: Send) -> None:
            for message in respond(body=self.scope["path"].encode()):
                await send(message)

    result = Adapter(Legacy, lifespan="off")(http_api("/legacy"), Context())
    assert result["body"] == "/legacy"


def loop_id_app() -> tuple[Any, list[int]]:
    loops: list[int] = []

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        loops.append(id(asyncio.get_running_loop()))
        for message in respond():
            await send(message)

    return app, loops


def test_one_loop_reused_across_invocations_and_adapters() -> None:
    app, loops = loop_id_app()
    first, second = Adapter(app, lifespan="off"), Adapter(app, lifespan="off")
    for handler in (first, second, first):
        handler(http_api(), Context())
    assert len(set(loops)) == 1


def test_works_after_asyncio_run_without_deprecation_warnings() -> None:
    app, _ = loop_id_app()
    handler = Adapter(app, lifespan="off")

    async def other_code() -> int:
        return 1

    asyncio.run(other_code())  # leaves the thread with no current loop
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert handler(http_api(), Context())["statusCode"] == 200
        asyncio.run(other_code())
        assert handler(http_api(), Context())["statusCode"] == 200


def test_handler_called_inside_a_running_loop() -> None:
    app, loops = loop_id_app()
    handler = Adapter(app, lifespan="off")

    async def async_test() -> tuple[dict[str, Any], int]:
        return handler(http_api(), Context()), id(asyncio.get_running_loop())

    result, outer = asyncio.run(async_test())
    assert result["statusCode"] == 200
    assert loops[-1] != outer


def test_concurrent_threads_share_one_handler_safely() -> None:
    active = 0
    most = 0

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        nonlocal active, most
        active += 1
        most = max(most, active)
        await asyncio.sleep(0.001)
        active -= 1
        for message in respond(body=scope["path"].encode()):
            await send(message)

    handler = Adapter(app, lifespan="off")
    results: dict[int, dict[str, Any]] = {}

    def call(i: int) -> None:
        results[i] = handler(http_api(f"/{i}"), Context())

    threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert {i: r["body"] for i, r in results.items()} == {i: f"/{i}" for i in range(16)}
    assert most == 1  # invocations serialise on the one loop
