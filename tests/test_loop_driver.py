"""run_to_completion drives the loop's own passes until the task is done,
without run_forever(): no pass for a coroutine that never waits on I/O, and
the same running-loop state, polling and timers as run_forever() for the rest."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from hatchway.asgi import loop as loop_module
from hatchway.asgi.loop import LoopRunner, run_to_completion


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


needs_driver = pytest.mark.skipif(
    not loop_module._drivable(asyncio.new_event_loop()),
    reason="this event loop has no pass to drive",
)


def count_run_forever(loop: asyncio.AbstractEventLoop) -> list[int]:
    """Count the calls of ``loop.run_forever`` (the fallback)."""
    calls = [0]
    run_forever = loop.run_forever

    def counting() -> None:
        calls[0] += 1
        run_forever()

    loop.run_forever = counting  # type: ignore[method-assign]
    return calls


def assert_idle(loop: asyncio.AbstractEventLoop) -> None:
    assert asyncio._get_running_loop() is None
    assert not loop.is_running()
    assert not loop._stopping  # type: ignore[attr-defined]


async def immediate(value: Any = "done") -> Any:
    return value


async def sleeping(value: Any = "slept", delay: float = 0.01) -> Any:
    await asyncio.sleep(delay)
    return value


@needs_driver
def test_immediate_coroutine_runs_without_run_forever(loop: asyncio.AbstractEventLoop) -> None:
    calls = count_run_forever(loop)

    def firstiter(agen: Any) -> None:
        pass

    def finalizer(agen: Any) -> None:
        pass

    before = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
    try:
        for value in (1, 2, 3):
            assert run_to_completion(loop, immediate(value)) == value
            assert_idle(loop)
            hooks = sys.get_asyncgen_hooks()
            assert hooks.firstiter is firstiter
            assert hooks.finalizer is finalizer
    finally:
        sys.set_asyncgen_hooks(*before)
    assert calls == [0]


def test_the_loop_is_running_inside_the_driven_pass(loop: asyncio.AbstractEventLoop) -> None:
    seen: dict[str, Any] = {}

    async def look() -> str:
        seen["loop"] = asyncio.get_running_loop()
        seen["task"] = asyncio.current_task()
        seen["running"] = loop.is_running()
        seen["firstiter"] = sys.get_asyncgen_hooks().firstiter
        return "ok"

    assert run_to_completion(loop, look()) == "ok"
    assert seen["loop"] is loop
    assert isinstance(seen["task"], asyncio.Task)
    assert seen["task"].done()
    assert seen["running"] is True
    assert seen["firstiter"] == loop._asyncgen_firstiter_hook
    assert_idle(loop)


def test_immediate_and_sleeping_calls_alternate(loop: asyncio.AbstractEventLoop) -> None:
    # A stop left over from one call would end the next run_forever() after one
    # pass: the sleeping calls would then fail with "stopped before ... completed".
    calls = count_run_forever(loop)
    for i in range(5):
        if i % 2:
            assert run_to_completion(loop, sleeping(i)) == i
        else:
            assert run_to_completion(loop, immediate(i)) == i
        assert_idle(loop)
    for i in range(4):
        assert run_to_completion(loop, sleeping(i, delay=0.001)) == i
    if loop_module._drivable(loop):
        assert calls == [0]


@needs_driver
def test_an_immediate_coroutine_takes_no_pass(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes = [0]
    run_once = loop._run_once  # type: ignore[attr-defined]

    def counting() -> None:
        passes[0] += 1
        run_once()

    monkeypatch.setattr(loop, "_run_once", counting)
    assert run_to_completion(loop, immediate()) == "done"
    # The first step runs when the task is created (3.12+), or straight from the
    # ready queue (before): no pass, no poll.
    assert passes == [0]
    assert run_to_completion(loop, sleeping(delay=0.001)) == "slept"
    assert passes[0] >= 2  # at least: wait for the timer, then finish


@needs_driver
def test_the_first_step_runs_in_the_task_and_its_own_context(
    loop: asyncio.AbstractEventLoop,
) -> None:
    order: list[str] = []
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    async def step() -> str:
        order.append("step")
        assert asyncio.current_task() is not None
        var.set("inside")
        return var.get()

    loop.call_soon(order.append, "ready before")
    assert run_to_completion(loop, step()) == "inside"
    assert var.get() == "unset"  # the task ran in a copy of the context
    # Before 3.12 the callbacks ready before the call run first, as in a pass;
    # an eager first step (3.12+) runs at once and leaves them to a later pass.
    assert order == (["step"] if loop_module._EAGER_START else ["ready before", "step"])
    assert_idle(loop)


def test_a_coroutine_that_waits_on_a_socket_falls_back(loop: asyncio.AbstractEventLoop) -> None:
    async def answer(sock: socket.socket) -> None:
        data = await loop.sock_recv(sock, 4)
        await loop.sock_sendall(sock, data.upper())

    async def echo(sock: socket.socket) -> bytes:
        reader, writer = await asyncio.open_connection(sock=sock)
        writer.write(b"ping")
        await writer.drain()
        data = await reader.readexactly(4)
        writer.close()
        await writer.wait_closed()
        return data

    for _ in range(3):
        left, right = socket.socketpair()
        right.setblocking(False)
        with left, right:
            server = loop.create_task(answer(right))
            assert run_to_completion(loop, echo(left)) == b"PING"
            assert server.done()
        assert run_to_completion(loop, immediate()) == "done"
        assert_idle(loop)


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
            assert_idle(loop)
        assert run_to_completion(loop, sleeping(7)) == 7
        gc.collect()
    assert "never retrieved" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_without_run_forever(
    loop: asyncio.AbstractEventLoop,
    caplog: pytest.LogCaptureFixture,
    exc_type: type[BaseException],
) -> None:
    async def interrupted() -> None:
        raise exc_type

    before = sys.get_asyncgen_hooks()
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        with pytest.raises(exc_type):
            run_to_completion(loop, interrupted())
        assert_idle(loop)
        assert sys.get_asyncgen_hooks() == before
        assert run_to_completion(loop, immediate()) == "done"
        assert run_to_completion(loop, sleeping()) == "slept"
        gc.collect()
    if not loop_module._EAGER_START:
        # With an eager first step the interrupt leaves the task's constructor,
        # so the task is out of reach and asyncio may log it (see run_to_completion).
        assert "never retrieved" not in caplog.text


def test_an_interrupted_fallback_does_not_stop_a_later_call(
    loop: asyncio.AbstractEventLoop,
) -> None:
    # The interrupted call's task stays pending; when it finishes later, during
    # another call, it must not stop that call's run_forever().
    def interrupt() -> None:
        raise KeyboardInterrupt

    async def slow() -> str:
        asyncio.get_running_loop().call_later(0.001, interrupt)
        await asyncio.sleep(0.02)
        return "orphan"

    with pytest.raises(KeyboardInterrupt):
        run_to_completion(loop, slow())
    assert_idle(loop)
    assert run_to_completion(loop, sleeping("later", delay=0.1)) == "later"
    assert_idle(loop)


def test_a_stop_during_a_pass_does_not_leak(loop: asyncio.AbstractEventLoop) -> None:
    async def stopping() -> str:
        asyncio.get_running_loop().stop()
        return "stopped"

    assert run_to_completion(loop, stopping()) == "stopped"
    assert_idle(loop)
    assert run_to_completion(loop, sleeping()) == "slept"


def test_a_fire_and_forget_task_runs_in_a_later_call(loop: asyncio.AbstractEventLoop) -> None:
    ran: list[str] = []

    async def background() -> None:
        await asyncio.sleep(0.005)
        ran.append("background")

    async def spawn() -> str:
        spawn.task = asyncio.create_task(background())  # type: ignore[attr-defined]
        return "spawned"

    assert run_to_completion(loop, spawn()) == "spawned"
    assert run_to_completion(loop, immediate()) == "done"
    assert run_to_completion(loop, sleeping(delay=0.05)) == "slept"
    assert ran == ["background"]
    assert spawn.task.done()  # type: ignore[attr-defined]


def test_an_async_generator_is_registered_with_the_loop(
    loop: asyncio.AbstractEventLoop,
) -> None:
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
    assert held[0] in loop._asyncgens  # type: ignore[attr-defined]
    assert finalized == []
    loop.run_until_complete(loop.shutdown_asyncgens())
    assert finalized == ["finally"]


@pytest.mark.parametrize("driven_before", [False, True])
def test_debug_mode_uses_run_forever(loop: asyncio.AbstractEventLoop, driven_before: bool) -> None:
    # Also when debug mode is turned on after the loop was driven (its hooks
    # are remembered then).
    if driven_before:
        assert run_to_completion(loop, immediate()) == "done"
    loop.set_debug(True)
    calls = count_run_forever(loop)
    assert run_to_completion(loop, immediate()) == "done"
    assert run_to_completion(loop, sleeping()) == "slept"
    assert_idle(loop)
    assert calls == [2]
    loop.set_debug(False)
    assert run_to_completion(loop, immediate()) == "done"
    assert calls == [2] if loop_module._drivable(loop) else [3]


@needs_driver
def test_due_timers_and_ready_io_run_in_the_passes(loop: asyncio.AbstractEventLoop) -> None:
    # Each pass polls the selector and fires due timers, as run_forever()'s
    # does. A call that never waits takes no pass (its first step runs without
    # one), and the next call that waits catches up.
    calls = count_run_forever(loop)
    fired: list[str] = []
    loop.call_later(0, fired.append, "timer")
    left, right = socket.socketpair()
    try:
        loop.add_reader(left.fileno(), lambda: fired.append("read"))
        right.send(b"x")
        assert run_to_completion(loop, immediate()) == "done"
        assert fired == []
        assert run_to_completion(loop, sleeping(delay=0.001)) == "slept"
        assert sorted(set(fired)) == ["read", "timer"]
        loop.remove_reader(left.fileno())
    finally:
        left.close()
        right.close()
    assert calls == [0]


def test_without_the_pass_run_forever_is_used(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loop_module, "_drivable", lambda loop: False)
    calls = count_run_forever(loop)
    assert run_to_completion(loop, immediate()) == "done"
    assert run_to_completion(loop, sleeping()) == "slept"
    assert_idle(loop)
    assert calls == [2]


def test_a_loop_of_another_make_is_not_driven() -> None:
    class Custom(asyncio.AbstractEventLoop):
        pass

    assert not loop_module._drivable(Custom())  # type: ignore[abstract]


def test_a_runner_inside_a_running_loop_uses_a_thread() -> None:
    runner = LoopRunner()

    async def outer() -> Any:
        return runner.run(immediate("threaded"))

    try:
        assert asyncio.run(outer()) == "threaded"
        assert runner.run(immediate("direct")) == "direct"
    finally:
        runner.loop.close()
