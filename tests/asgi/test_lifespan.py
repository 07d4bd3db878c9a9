"""Lifespan: once per execution environment, state into every request, shutdown on SIGTERM."""

from __future__ import annotations

import gc
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hatchway import Adapter, LifespanFailure
from helpers import Context
from helpers.events import http_api


class Counting:
    """A lifespan-aware ASGI app scripted per test: how startup answers, counted."""

    def __init__(self, startup: str = "complete") -> None:
        self.startup = startup  # complete | failed | raise | return | failed-once
        self.startups = 0
        self.shutdowns = 0
        self.states: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(scope, receive, send)
            return
        await receive()
        self.states.append(scope["state"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def lifespan(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "lifespan.startup"
        self.startups += 1
        mode = self.startup
        if mode == "failed-once":
            mode = "failed" if self.startups == 1 else "complete"
        if mode == "raise":
            raise RuntimeError("database down")
        if mode == "return":
            return
        if mode == "failed":
            await send({"type": "lifespan.startup.failed", "message": "database down"})
            return
        scope["state"]["pool"] = f"pool-{self.startups}"
        await send({"type": "lifespan.startup.complete"})
        assert (await receive())["type"] == "lifespan.shutdown"
        self.shutdowns += 1
        await send({"type": "lifespan.shutdown.complete"})


def test_startup_once_for_100_invocations_and_state_in_every_request() -> None:
    app = Counting()
    handler = Adapter(app)
    for _ in range(100):
        assert handler(http_api(), Context())["statusCode"] == 200
    assert app.startups == 1
    assert [s["pool"] for s in app.states] == ["pool-1"] * 100


def test_request_state_is_a_copy() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["n"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["n"] += 1
        scope["state"]["leak"] = True
        body = str(scope["state"]["n"]).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    handler = Adapter(app, lifespan="on")
    assert [handler(http_api(), Context())["body"] for _ in range(3)] == [
        "1"
    ] * 3  # no content type, UTF-8: text


def test_starlette_lifespan_state_reaches_requests() -> None:
    opened: list[int] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        opened.append(1)
        yield {"client": "shared-client"}

    async def home(request: Request) -> JSONResponse:
        return JSONResponse({"client": request.state.client})

    handler = Adapter(Starlette(routes=[Route("/", home)], lifespan=lifespan))
    for _ in range(5):
        assert handler(http_api(), Context())["body"] == '{"client":"shared-client"}'
    assert opened == [1]


@pytest.mark.parametrize("startup", ["raise", "return"])
def test_auto_continues_without_lifespan_when_unsupported(startup: str) -> None:
    app = Counting(startup)
    handler = Adapter(app, lifespan="auto")
    for _ in range(3):
        assert handler(http_api(), Context())["statusCode"] == 200
    assert app.startups == 1  # not asked again on every invocation


async def unconditional(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The minimal app of many tutorials: it never looks at scope["type"]."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


async def reads_then_answers(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await unconditional(scope, receive, send)


@pytest.mark.parametrize("app", [unconditional, reads_then_answers])
def test_an_app_that_answers_the_lifespan_scope_as_a_request_runs_without_lifespan(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hatchway")
    handler = Adapter(app)
    for _ in range(3):
        assert handler(http_api(), Context())["statusCode"] == 200
    lines = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [(r.name, r.levelname) for r in lines] == [("hatchway.lifespan", "INFO")]
    assert "does not support lifespan" in lines[0].getMessage()
    assert "'http.response.start'" in lines[0].getMessage()


def test_lifespan_on_refuses_an_app_that_answers_it_as_a_request() -> None:
    handler = Adapter(unconditional, lifespan="on")
    with pytest.raises(LifespanFailure, match="unexpected lifespan message"):
        handler(http_api(), Context())


def test_auto_logs_a_startup_that_raises_as_a_warning_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    handler = Adapter(Counting("raise"))
    for _ in range(3):
        assert handler(http_api(), Context())["statusCode"] == 200
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in warned] == [("hatchway.lifespan", "WARNING")]
    assert warned[0].exc_info is not None
    assert str(warned[0].exc_info[1]) == "database down"


def test_a_failing_starlette_startup_is_reported_once_per_invocation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Starlette sends its traceback as lifespan.startup.failed, then raises:
    # the task's exception must be reaped (no "Task exception was never
    # retrieved"), and the failure must not carry it a second time as a cause.
    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        raise RuntimeError("database down")
        yield  # pragma: no cover

    caplog.set_level(logging.DEBUG)
    handler = Adapter(Starlette(lifespan=lifespan))
    for _ in range(2):
        with pytest.raises(LifespanFailure) as failure:
            handler(http_api(), Context())
        assert str(failure.value).count("RuntimeError: database down") == 1
        assert failure.value.__cause__ is None
    gc.collect()
    assert [r for r in caplog.records if r.name == "asyncio"] == []
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in logged] == [
        "lifespan startup failed: GET / not served (request id req-1)"
    ] * 2
    assert all(r.exc_info is None for r in logged)


@pytest.mark.parametrize(
    ("mode", "startup", "message"),
    [
        ("auto", "failed", "database down"),
        ("on", "failed", "database down"),
        ("on", "raise", "raised RuntimeError"),
        ("on", "return", "returned before completing startup"),
    ],
)
def test_failed_startup_fails_the_invocation(mode: str, startup: str, message: str) -> None:
    handler = Adapter(Counting(startup), lifespan=mode)  # type: ignore[arg-type]
    with pytest.raises(LifespanFailure, match=message):
        handler(http_api(), Context())


def test_failed_startup_is_retried_on_the_next_invocation() -> None:
    app = Counting("failed-once")
    handler = Adapter(app)
    with pytest.raises(LifespanFailure):
        handler(http_api(), Context())
    assert handler(http_api(), Context())["statusCode"] == 200
    assert handler(http_api(), Context())["statusCode"] == 200
    assert app.startups == 2
    assert app.states[-1]["pool"] == "pool-2"


def test_lifespan_off_never_starts() -> None:
    app = Counting()
    Adapter(app, lifespan="off")(http_api(), Context())
    assert app.startups == 0


def test_wsgi_with_lifespan_on_is_refused() -> None:
    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        return []

    with pytest.raises(ValueError, match="lifespan='on' needs an ASGI app"):
        Adapter(wsgi, lifespan="on")


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, time
    sys.path.insert(0, {tests!r})
    from events import http_api
    from hatchway import Adapter

    log = open({log!r}, "a", buffering=1)

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            log.write("startup\\n")
            await send({{"type": "lifespan.startup.complete"}})
            await receive()
            log.write("shutdown\\n")
            await send({{"type": "lifespan.shutdown.complete"}})
            return
        await send({{"type": "http.response.start", "status": 200, "headers": []}})
        await send({{"type": "http.response.body", "body": b"ok"}})

    if {chain!r}:
        signal.signal(signal.SIGTERM, lambda signum, frame: (log.write("previous\\n"), sys.exit(0)))
    handler = Adapter(app)
    for _ in range(3):
        assert handler(http_api(), None)["statusCode"] == 200
    log.write("ready\\n")
    if {wait!r}:
        time.sleep(30)
    """
)


def run_script(tmp_path: Path, *, chain: bool, wait: bool) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / "log.txt"
    log.touch()
    helpers = Path(__file__).parents[1] / "helpers"
    code = SCRIPT.format(tests=str(helpers), log=str(log), chain=chain, wait=wait)
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while "ready" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return process, log


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM semantics are POSIX")
@pytest.mark.subprocess
def test_sigterm_runs_shutdown_once_then_chains_the_previous_handler(tmp_path: Path) -> None:
    process, log = run_script(tmp_path, chain=True, wait=True)
    try:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        process.kill()
    assert log.read_text().split() == ["startup", "ready", "shutdown", "previous"]


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM semantics are POSIX")
@pytest.mark.subprocess
def test_sigterm_with_default_handler_shuts_down_then_terminates(tmp_path: Path) -> None:
    process, log = run_script(tmp_path, chain=False, wait=True)
    try:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == -signal.SIGTERM
    finally:
        process.kill()
    assert log.read_text().split() == ["startup", "ready", "shutdown"]


@pytest.mark.subprocess
def test_interpreter_exit_runs_shutdown_once(tmp_path: Path) -> None:
    process, log = run_script(tmp_path, chain=False, wait=False)
    assert process.wait(20) == 0
    assert log.read_text().split() == ["startup", "ready", "shutdown"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.subprocess
def test_forked_child_gets_a_new_loop_and_its_own_startup(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import asyncio, os, sys
        sys.path.insert(0, {str(Path(__file__).parents[1] / "helpers")!r})
        from events import http_api
        from hatchway import Adapter

        starts = []
        async def app(scope, receive, send):
            if scope["type"] == "lifespan":
                await receive()
                starts.append(os.getpid())
                await send({{"type": "lifespan.startup.complete"}})
                await receive()
                await send({{"type": "lifespan.shutdown.complete"}})
                return
            body = f"{{id(asyncio.get_running_loop())}} {{starts.count(os.getpid())}}".encode()
            await send({{"type": "http.response.start", "status": 200, "headers": []}})
            await send({{"type": "http.response.body", "body": body, "more_body": False}})

        handler = Adapter(app, text_mime_types=["application/octet-stream"])
        def call():
            import base64
            result = handler(http_api(), None)
            body = result["body"]
            return base64.b64decode(body).decode() if result["isBase64Encoded"] else body
        parent = call()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, call().encode())
            os._exit(0)
        os.waitpid(pid, 0)
        child = os.read(read, 100).decode()
        print(parent, "|", child, "|", call())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    parent, child, parent_again = (part.split() for part in out.stdout.strip().split("|"))
    assert parent[1] == "1"  # one startup in the parent
    assert child[1] == "1"  # the child ran its own startup, once
    assert child[0] != parent[0]  # a new loop in the child
    assert parent_again == parent  # the parent's loop and lifespan are untouched


@pytest.mark.parametrize("stuck", ["waits", "ignores-cancel"])
@pytest.mark.subprocess
def test_shutdown_is_bounded_well_within_lambdas_sigterm_grace(tmp_path: Path, stuck: str) -> None:
    # Lambda gives the runtime 300 ms (500 ms with an internal extension)
    # between SIGTERM and SIGKILL: a shutdown that hangs is abandoned before.
    from hatchway.asgi.lifespan import SHUTDOWN_TIMEOUT

    assert SHUTDOWN_TIMEOUT <= 0.25
    ready = tmp_path / "ready"
    code = textwrap.dedent(
        f"""
        import asyncio, pathlib, sys, time
        sys.path.insert(0, {str(Path(__file__).parents[1] / "helpers")!r})
        from events import http_api
        from hatchway import Adapter

        async def app(scope, receive, send):
            if scope["type"] == "lifespan":
                await receive()
                await send({{"type": "lifespan.startup.complete"}})
                await receive()
                while True:  # a shutdown that never finishes
                    try:
                        await asyncio.sleep(30)
                    except asyncio.CancelledError:
                        if {stuck!r} == "waits":
                            raise
            await send({{"type": "http.response.start", "status": 200, "headers": []}})
            await send({{"type": "http.response.body", "body": b"ok"}})

        handler = Adapter(app)
        assert handler(http_api(), None)["statusCode"] == 200
        pathlib.Path({str(ready)!r}).touch()
        time.sleep(30)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == -signal.SIGTERM
        elapsed = time.monotonic() - started
    finally:
        process.kill()
        stderr = process.communicate()[1].decode()
    assert elapsed < SHUTDOWN_TIMEOUT + 0.2, stderr
    assert "lifespan shutdown did not complete" in stderr
