"""Diagnosis at the deadline: an invocation still running ``timeout_margin``
seconds before Lambda's deadline is reported once, at ERROR, with the request
and the line it is stuck on, before Lambda would end it (issue 21)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hatchway import Adapter
from hatchway.testing import LambdaContext
from helpers.events import http_api

#: Lambda's time-out for these invocations; hatchway's margin is the default 0.5 s.
TIMEOUT = 0.8
#: How long the slow views run: well past the deadline.
SLOW = 1.3


async def blocked(request: Request) -> PlainTextResponse:
    time.sleep(SLOW)  # blocks the event loop
    return PlainTextResponse("late")


async def awaiting(request: Request) -> PlainTextResponse:
    await asyncio.sleep(SLOW)  # awaits: can be cancelled
    return PlainTextResponse("late")


async def fast(request: Request) -> PlainTextResponse:
    return PlainTextResponse("quick")


starlette_app = Starlette(
    routes=[Route("/blocked", blocked), Route("/awaiting", awaiting), Route("/fast", fast)]
)
flask_app = Flask(__name__)


@flask_app.route("/slow")
def slow_view() -> str:
    time.sleep(SLOW)  # a slow query, say
    return "late"


@flask_app.route("/fast")
def fast_view() -> str:
    return "quick"


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def invoke(app: object, path: str) -> tuple[dict[str, object], LambdaContext]:
    context = LambdaContext(timeout=TIMEOUT, aws_request_id=f"req-{path.strip('/')}")
    return Adapter(app, lifespan="off")(http_api(path=path), context), context


@pytest.mark.subprocess  # waits for real deadlines: seconds
@pytest.mark.parametrize(
    ("app", "path", "line", "reason"),
    [
        (starlette_app, "/blocked", "time.sleep(SLOW)  # blocks the event loop", "event loop"),
        (flask_app, "/slow", "time.sleep(SLOW)  # a slow query, say", "WSGI app"),
    ],
    ids=["asgi-blocked-loop", "wsgi-slow-view"],
)
def test_a_stuck_invocation_is_reported_once_before_the_deadline(
    caplog: pytest.LogCaptureFixture, app: object, path: str, line: str, reason: str
) -> None:
    result, context = invoke(app, path)
    assert result["statusCode"] == 200  # nothing stopped it: only Lambda could
    [record] = errors(caplog)
    message = record.getMessage()
    assert f"GET {path} (request id {context.aws_request_id}) is about to time out" in message
    assert reason in message
    # Formatted like a traceback from hatchway's call into the app (the
    # runtime's and the event loop's frames left out) to where it is stuck.
    assert "most recent call last" in message
    stack = message.split("most recent call last):\n")[1]
    assert stack.startswith('  File "')
    assert "hatchway" in stack.splitlines()[0]
    assert "asyncio" not in stack
    assert f"in {'blocked' if path == '/blocked' else 'slow_view'}\n    {line}" in message
    # Logged before Lambda's deadline, within a look or two of the margin.
    deadline = context.deadline_ms / 1000
    assert deadline - 0.5 <= record.created < deadline


def test_an_awaiting_app_gets_504_with_the_line_it_was_awaiting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    result, context = invoke(starlette_app, "/awaiting")
    assert result["statusCode"] == 504
    [record] = errors(caplog)
    message = record.getMessage()
    assert message.startswith(
        f"504 Gateway Timeout: GET /awaiting (request id {context.aws_request_id})"
    )
    assert "Where the app was awaiting (most recent call last)" in message
    assert "in awaiting\n    await asyncio.sleep(SLOW)  # awaits: can be cancelled" in message
    assert record.created < context.deadline_ms / 1000


@pytest.mark.subprocess  # waits for real deadlines: seconds
@pytest.mark.parametrize("app", [starlette_app, flask_app], ids=["asgi", "wsgi"])
def test_an_invocation_finished_in_time_reports_nothing(
    caplog: pytest.LogCaptureFixture, app: object
) -> None:
    caplog.set_level(logging.DEBUG, logger="hatchway")
    result, _ = invoke(app, "/fast")
    assert result["body"] == "quick"
    # Past the deadline the finished invocation is no longer watched.
    time.sleep(TIMEOUT + 0.2)
    assert [r for r in caplog.records if r.name.startswith("hatchway")] == []


@pytest.mark.subprocess  # waits for real deadlines: seconds
def test_each_stuck_invocation_is_reported_and_the_next_one_is_clean(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = Adapter(flask_app)
    for number in range(2):
        context = LambdaContext(timeout=TIMEOUT, aws_request_id=f"req-{number}")
        handler(http_api(path="/slow"), context)
        context = LambdaContext(timeout=TIMEOUT, aws_request_id=f"fast-{number}")
        handler(http_api(path="/fast"), context)
    time.sleep(TIMEOUT)
    assert [r.getMessage().split(" is about")[0] for r in errors(caplog)] == [
        "GET /slow (request id req-0)",
        "GET /slow (request id req-1)",
    ]


@pytest.mark.subprocess  # waits for real deadlines: seconds
def test_no_margin_no_report(caplog: pytest.LogCaptureFixture) -> None:
    context = LambdaContext(timeout=TIMEOUT)
    result = Adapter(flask_app, timeout_margin=None)(http_api(path="/slow"), context)
    assert result["statusCode"] == 200
    assert errors(caplog) == []


@pytest.mark.subprocess
def test_the_wsgi_guard_loads_neither_asyncio_nor_logging() -> None:
    # A healthy WSGI invocation under a deadline: the watch is armed and
    # disarmed, and nothing it only needs for a report is imported.
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parents[1] / "helpers")!r})
        from events import http_api
        from hatchway import Adapter

        class Context:
            aws_request_id = "req-import"
            def get_remaining_time_in_millis(self):
                return 30_000

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        assert Adapter(app)(http_api(), Context())["body"] == "ok"
        import hatchway.watchdog as watchdog
        assert watchdog._watchdog.thread is not None  # the guard was armed
        print(sorted(m for m in ("asyncio", "logging", "traceback") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
