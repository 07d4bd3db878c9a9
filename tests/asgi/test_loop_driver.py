"""The private event loop: one per process, reused by every invocation, driven
through asyncio's public API only; fork-safe and thread-safe."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import re
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.asgi.loop import LoopRunner, run_to_completion
from helpers.events import http_api

SRC = Path(__file__).resolve().parents[2] / "src"


def close(loop: asyncio.AbstractEventLoop) -> None:
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        close(loop)


@pytest.fixture
def runner() -> Iterator[LoopRunner]:
    runner = LoopRunner()
    try:
        yield runner
    finally:
        close(runner.loop)


def no_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


async def immediate(value: Any = "done") -> Any:
    return value


async def sleeping(value: Any = "slept", delay: float = 0.01) -> Any:
    await asyncio.sleep(delay)
    return value


def test_no_asyncio_internals_in_the_package() -> None:
    # Private asyncio attributes change between CPython releases.
    forbidden = re.compile(r"mypyc|_run_once|\._ready|_thread_id|_stopping|_get_running_loop")
    hits = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert hits == []


def test_one_loop_for_every_call(runner: LoopRunner) -> None:
    async def which() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    first = runner.run(which())
    assert runner.run(which()) is first
    assert runner.run(sleeping(delay=0.001)) == "slept"
    assert runner.run(which()) is first
    assert not first.is_running()
    assert no_running_loop()


def test_each_call_is_a_task_with_its_own_context(runner: LoopRunner) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[Any] = []

    async def step(value: str) -> str:
        seen.append(asyncio.current_task())
        before = var.get()
        var.set(value)
        return before

    assert runner.run(step("one")) == "unset"
    assert runner.run(step("two")) == "unset"  # the first call's value did not leak
    assert var.get() == "unset"
    assert seen[0] is not seen[1]
    assert all(isinstance(task, asyncio.Task) and task.done() for task in seen)


def test_no_deprecation_warnings(runner: LoopRunner) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert runner.run(immediate()) == "done"
        assert runner.run(sleeping()) == "slept"


def test_the_tasks_done_callbacks_run_before_the_call_returns(runner: LoopRunner) -> None:
    # AnyIO stops its worker threads in a done callback of the task.
    called: list[str] = []

    async def register() -> str:
        task = asyncio.current_task()
        assert task is not None
        task.add_done_callback(lambda _: called.append("callback"))
        return "done"

    assert runner.run(register()) == "done"
    assert called == ["callback"]


def test_a_fire_and_forget_task_runs_by_the_next_call(runner: LoopRunner) -> None:
    ran: list[str] = []

    async def background() -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        ran.append("background")

    async def spawn() -> str:
        spawn.task = asyncio.create_task(background())  # type: ignore[attr-defined]
        return "spawned"

    assert runner.run(spawn()) == "spawned"
    for _ in range(3):
        runner.run(immediate())
    assert ran == ["background"]
    assert spawn.task.done()  # type: ignore[attr-defined]


def test_fire_and_forget_tasks_do_not_pile_up(runner: LoopRunner) -> None:
    ran = [0]
    keep: set[asyncio.Task[None]] = set()

    async def background() -> None:
        await asyncio.sleep(0)
        ran[0] += 1

    async def spawn() -> None:
        task = asyncio.create_task(background())
        keep.add(task)
        task.add_done_callback(keep.discard)

    for _ in range(1000):
        runner.run(spawn())
    assert len(asyncio.all_tasks(runner.loop)) <= 2
    assert ran[0] >= 998


@pytest.mark.parametrize("body", [immediate, sleeping], ids=["immediate", "waiting"])
def test_an_exception_propagates_and_is_retrieved(
    loop: asyncio.AbstractEventLoop,
    caplog: pytest.LogCaptureFixture,
    body: Callable[..., Any],
) -> None:
    async def failing() -> None:
        await body()
        raise ValueError("boom")

    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        for _ in range(2):
            with pytest.raises(ValueError, match="boom"):
                run_to_completion(loop, failing())
        assert run_to_completion(loop, sleeping(7)) == 7
        gc.collect()
    assert "never retrieved" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_propagates_and_the_loop_goes_on(
    loop: asyncio.AbstractEventLoop,
    caplog: pytest.LogCaptureFixture,
    exc_type: type[BaseException],
) -> None:
    async def interrupted() -> None:
        raise exc_type

    hooks = sys.get_asyncgen_hooks()
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        with pytest.raises(exc_type):
            run_to_completion(loop, interrupted())
        assert not loop.is_running()
        assert sys.get_asyncgen_hooks() == hooks
        assert run_to_completion(loop, immediate()) == "done"
        assert run_to_completion(loop, sleeping()) == "slept"
        gc.collect()
    assert "never retrieved" not in caplog.text


def test_an_interrupted_call_does_not_run_on_into_a_later_one(
    loop: asyncio.AbstractEventLoop,
) -> None:
    # The interrupt comes from another callback while the call's task waits:
    # that task is cancelled, it must not finish during the next call.
    finished: list[str] = []

    def interrupt() -> None:
        raise KeyboardInterrupt

    async def slow() -> None:
        asyncio.get_running_loop().call_later(0.001, interrupt)
        await asyncio.sleep(0.02)
        finished.append("orphan")

    with pytest.raises(KeyboardInterrupt):
        run_to_completion(loop, slow())
    assert run_to_completion(loop, sleeping("later", delay=0.05)) == "later"
    assert finished == []
    assert not loop.is_running()


@pytest.mark.parametrize("body", [immediate, sleeping], ids=["immediate", "waiting"])
def test_an_app_that_stops_the_loop_does_not_break_the_next_call(
    loop: asyncio.AbstractEventLoop, body: Callable[..., Any]
) -> None:
    async def stopping() -> str:
        asyncio.get_running_loop().stop()
        return await body("stopped")  # type: ignore[no-any-return]

    assert run_to_completion(loop, stopping()) == "stopped"
    assert run_to_completion(loop, sleeping()) == "slept"
    assert run_to_completion(loop, immediate()) == "done"


def test_an_async_generator_is_finalised_by_the_loop(loop: asyncio.AbstractEventLoop) -> None:
    finalized: list[str] = []
    held: list[AsyncIterator[int]] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            finalized.append("finally")

    async def start() -> int:
        agen = numbers()
        held.append(agen)
        return await agen.__anext__()

    assert run_to_completion(loop, start()) == 1
    assert finalized == []
    loop.run_until_complete(loop.shutdown_asyncgens())
    assert finalized == ["finally"]


def test_calls_from_several_threads_take_turns(runner: LoopRunner) -> None:
    inside = [0]
    overlaps: list[int] = []
    loops: set[asyncio.AbstractEventLoop] = set()

    async def work(i: int) -> int:
        inside[0] += 1
        if inside[0] > 1:
            overlaps.append(i)
        loops.add(asyncio.get_running_loop())
        await asyncio.sleep(0.001)
        inside[0] -= 1
        return i

    results: dict[int, int] = {}

    def call(i: int) -> None:
        for j in range(5):
            results[i * 10 + j] = runner.run(work(i * 10 + j))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {k: k for k in range(80) if k % 10 < 5}
    assert overlaps == []
    assert loops == {runner.loop}


def test_try_run_gives_up_while_a_call_runs(runner: LoopRunner) -> None:
    started = threading.Event()
    release = threading.Event()

    async def hold() -> str:
        started.set()
        while not release.is_set():
            await asyncio.sleep(0.001)
        return "held"

    holder = threading.Thread(target=runner.run, args=(hold(),))
    holder.start()
    try:
        assert started.wait(10)
        pending = immediate()
        assert runner.try_run(pending) == (False, None)
        assert pending.cr_frame is None  # closed, never to be awaited
    finally:
        release.set()
        holder.join(10)
    assert runner.try_run(immediate("free")) == (True, "free")


def test_a_runner_inside_a_running_loop_uses_a_thread(runner: LoopRunner) -> None:
    async def outer() -> Any:
        return runner.run(immediate("threaded"))

    assert asyncio.run(outer()) == "threaded"
    assert runner.run(immediate("direct")) == "direct"


def run_python(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.subprocess
def test_a_forked_child_makes_its_own_loop() -> None:
    result = run_python(
        """
        import asyncio, os
        from hatchway.asgi.loop import process_loop

        async def which():
            await asyncio.sleep(0)
            return id(asyncio.get_running_loop())

        parent = process_loop.run(which())
        pid = os.fork()
        if pid == 0:
            child = process_loop.run(which())
            again = process_loop.run(which())
            os._exit(0 if child != parent and again == child else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        assert process_loop.run(which()) == parent
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.subprocess
def test_the_process_exits_after_a_fastapi_def_endpoint() -> None:
    # AnyIO runs a `def` endpoint in a worker thread and stops that thread in a
    # done callback of the task: if the callback never ran, the interpreter
    # would wait for the thread forever at exit.
    pytest.importorskip("fastapi")
    started = time.monotonic()
    result = run_python(
        """
        from fastapi import FastAPI
        from hatchway import Adapter

        app = FastAPI()

        @app.get("/sync")
        def sync_endpoint():
            return {"ok": True}

        handler = Adapter(app)
        event = {
            "version": "2.0",
            "rawPath": "/sync",
            "rawQueryString": "",
            "headers": {"host": "api.example.com"},
            "requestContext": {"http": {"method": "GET", "path": "/sync"}, "stage": "$default"},
        }
        response = handler(event, None)
        print(response["statusCode"], response["body"])
        """,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '200 {"ok":true}'
    assert time.monotonic() - started < 20


def test_fire_and_forget_work_of_a_request_runs() -> None:
    ran: list[int] = []
    keep: set[asyncio.Task[None]] = set()

    async def background(n: int) -> None:
        await asyncio.sleep(0)
        ran.append(n)

    count = [0]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        count[0] += 1
        task = asyncio.create_task(background(count[0]))
        keep.add(task)
        task.add_done_callback(keep.discard)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    handler = Adapter(app, lifespan="off")
    for _ in range(1000):
        assert handler(http_api(), None)["statusCode"] == 200
    assert len(ran) >= 999
    assert len(keep) <= 1
