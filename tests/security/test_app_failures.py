"""An app that raises a BaseException (not an Exception) gets a logged 500, and
the next invocation works: under awslambdaric an exception that escapes the
handler as a BaseException ends the runtime process (a 502 and a cold start)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.streaming import StreamingHandler
from hatchway.testing import LambdaContext, build_event, read_response
from helpers import Context
from helpers.events import http_api


def raises(exc_type: type[BaseException]) -> Callable[[], None]:
    def fail() -> None:
        raise exc_type("raised by the app")

    return fail


#: Each BaseException that is not an Exception, by name.
FAILURES = {
    "CancelledError": raises(asyncio.CancelledError),
    "SystemExit": raises(SystemExit),
    "KeyboardInterrupt": raises(KeyboardInterrupt),
    "GeneratorExit": raises(GeneratorExit),
}


def asgi_app(failure: str) -> Any:
    calls = [0]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        calls[0] += 1
        if calls[0] == 1:  # only the first request fails
            if failure == "self-cancel":
                task = asyncio.current_task()
                assert task is not None
                task.cancel()
                await asyncio.sleep(0)
            elif failure.endswith("after await"):
                await asyncio.sleep(0)
                FAILURES[failure.split()[0]]()
            else:
                FAILURES[failure]()
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"fine"})

    return app


def wsgi_app(failure: str) -> Any:
    calls = [0]

    def body() -> Iterator[bytes]:
        FAILURES[failure.split()[0]]()
        yield b"never"

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            if failure.endswith("while iterating"):
                start_response("200 OK", [("Content-Type", "text/plain")])
                return body()
            FAILURES[failure]()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"fine"]

    return app


ROWS = [
    *[pytest.param("asgi", name, id=f"asgi-{name}") for name in FAILURES],
    *[
        pytest.param("asgi", f"{name} after await", id=f"asgi-{name}-after-await")
        for name in FAILURES
    ],
    pytest.param("asgi", "self-cancel", id="asgi-self-cancel"),
    *[pytest.param("wsgi", name, id=f"wsgi-{name}") for name in FAILURES],
    *[
        pytest.param("wsgi", f"{name} while iterating", id=f"wsgi-{name}-while-iterating")
        for name in FAILURES
    ],
]


@pytest.mark.parametrize(("interface", "failure"), ROWS)
def test_a_base_exception_becomes_a_logged_500(
    interface: str, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = asgi_app(failure) if interface == "asgi" else wsgi_app(failure)
    handler = Adapter(app, interface=interface)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="hatchway"):
        first = handler(http_api("/boom"), Context("req-boom"))
    assert first["statusCode"] == 500
    records = [r for r in caplog.records if r.name == "hatchway" and r.levelno == logging.ERROR]
    assert len(records) == 1
    assert "GET /boom" in records[0].getMessage()
    assert "req-boom" in records[0].getMessage()
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], BaseException)
    assert not isinstance(records[0].exc_info[1], Exception)

    second = handler(http_api("/next"), Context("req-next"))
    assert second["statusCode"] == 200
    assert second["body"] == "fine"


@pytest.mark.parametrize(("interface", "failure"), [("asgi", "SystemExit"), ("wsgi", "SystemExit")])
def test_errors_raise_raises_an_exception_the_runtime_survives(
    interface: str, failure: str
) -> None:
    app = asgi_app(failure) if interface == "asgi" else wsgi_app(failure)
    handler = Adapter(app, interface=interface, errors="raise")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="SystemExit") as raised:
        handler(http_api(), Context())
    assert isinstance(raised.value.__cause__, SystemExit)
    assert handler(http_api(), Context())["statusCode"] == 200


@pytest.mark.parametrize("failure", [*FAILURES, "self-cancel"])
def test_a_base_exception_before_a_streamed_response_becomes_a_500(failure: str) -> None:
    streamer = StreamingHandler(Adapter(asgi_app(failure), streaming=True))

    def invoke() -> Any:
        event = build_event("function-url", "GET", "/")
        source = streamer.source_for(event)
        assert source is not None
        out = io.BytesIO()
        streamer(source, event, LambdaContext(), out)
        return read_response("function-url", out.getvalue())

    assert invoke().status == 500
    second = invoke()
    assert (second.status, second.body) == (200, b"fine")
