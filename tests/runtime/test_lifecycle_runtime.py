"""The lifecycle under the real awslambdaric and hatchway's runtime loop,
through the Runtime API emulator:
what runs before the first ``invocation/next``, on demand and under SnapStart
(``restore/next``), and how failures in INIT and in the hooks are reported.

The app and the emulator write to one log file, each line as it happens: the
app before it answers, the emulator as a request arrives, so the file's order
is the order of events."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hatchway.lifecycle import WARMUP_ROUNDS
from hatchway.local.invocation import FunctionError, lambda_environment
from hatchway.local.runtime_api import RuntimeApiEmulator
from helpers.events import http_api

pytest.importorskip("awslambdaric")

pytestmark = pytest.mark.subprocess

TARGETS = Path(__file__).resolve().parents[1] / "lifecycle_targets"
#: The runtime clients, by the name ``hatchway serve --runtime`` gives them.
RUNTIMES = {"ric": "awslambdaric", "hatchway": "hatchway.runtime"}
SRC = Path(__file__).resolve().parents[2] / "src"
#: The lines the emulator writes for the runtime's requests.
NEXT = "runtime GET /2018-06-01/runtime/invocation/next"
RESTORE = "runtime GET /2018-06-01/runtime/restore/next"


class Function:
    """The emulator here, ``lifecycle_app.handler`` in a runtime child process."""

    def __init__(self, runtime: str, log: Path, env: dict[str, str]) -> None:
        self.log = log
        log.touch()
        self._lock = threading.Lock()
        self.emulator = RuntimeApiEmulator(on_call=self._on_call)
        self.emulator.start()
        self.emulator.begin_generation()
        environment = dict(os.environ)
        environment.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
        environment.update(
            lambda_environment(
                task_root=str(TARGETS),
                handler="lifecycle_app.handler",
                memory_mb=256,
                for_process=True,
            )
        )
        environment["AWS_LAMBDA_RUNTIME_API"] = self.emulator.address
        environment["PYTHONPATH"] = os.pathsep.join([str(TARGETS), str(SRC)])
        environment["LIFECYCLE_LOG"] = str(log)
        environment.update(env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", RUNTIMES[runtime], "lifecycle_app.handler"],
            env=environment,
            cwd=TARGETS,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _on_call(self, method: str, path: str) -> None:
        with self._lock, self.log.open("a", encoding="utf-8") as log:
            log.write(f"runtime {method} {path}\n")

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def wait_for(self, line: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.lines():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"no {line!r} in {self.lines()}:\n{self.stop()}")
            time.sleep(0.02)

    def invoke(self, path: str, timeout: float = 15.0) -> dict[str, Any]:
        event = json.dumps(http_api(path)).encode()
        invocation = self.emulator.submit(event, str(uuid.uuid4()), timeout)
        result = self.emulator.wait(invocation, timeout + 5)
        assert isinstance(result, bytes)
        response: dict[str, Any] = json.loads(result)
        return response

    def stop(self) -> str:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        output, _ = self.process.communicate(timeout=10)
        self.emulator.close()
        return output.decode("utf-8", "replace")


@pytest.fixture(params=sorted(RUNTIMES))
def function(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    runtime = request.param
    started: list[Function] = []

    def start(**env: str) -> Function:
        item = Function(runtime, tmp_path / f"lifecycle-{len(started)}.log", env)
        started.append(item)
        return item

    yield start
    for item in started:
        item.stop()


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
    decoded: dict[str, Any] = json.loads(body)
    return decoded


def test_on_demand_startup_and_warmup_run_once_before_the_first_next(function: Any) -> None:
    runtime = function()
    runtime.wait_for(NEXT)
    first = runtime.invoke("/x")
    second = runtime.invoke("/y")
    assert first["statusCode"] == second["statusCode"] == 200
    assert body_of(first)["path"] == "/x"
    lines = runtime.lines()
    steps = [line.split(" pid=")[0] for line in lines]
    warmups = ["app request /warm warmup=True"] * WARMUP_ROUNDS
    assert steps[: steps.index(NEXT)] == ["app startup", *warmups]
    assert [step for step in steps if step.startswith("app ")] == [
        "app startup",
        *warmups,
        "app request /x warmup=False",
        "app request /y warmup=False",
    ]
    assert RESTORE not in lines


def test_snapstart_shuts_down_before_restore_and_starts_fresh_after(function: Any) -> None:
    runtime = function(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    runtime.wait_for(NEXT)
    assert runtime.invoke("/x")["statusCode"] == 200
    lines = runtime.lines()
    steps = [line.split(" pid=")[0].split(" random=")[0] for line in lines]
    assert steps[: steps.index(NEXT) + 1] == [
        "app startup",
        *["app request /warm warmup=True"] * WARMUP_ROUNDS,
        "app shutdown",
        RESTORE,
        "app startup",
        NEXT,
    ]
    assert "app request /x warmup=False" in steps
    snapshot = next(line for line in lines if line.startswith("app shutdown")).split("random=")[1]
    restored = [line for line in lines if line.startswith("app startup")][1].split("random=")[1]
    assert restored != snapshot


def test_a_startup_failure_in_init_is_an_init_error(function: Any) -> None:
    runtime = function(LIFECYCLE_FAIL_STARTUP="1")
    assert runtime.process.wait(15) == 1
    error = runtime.emulator.init_error
    assert error is not None
    assert error.error_type == "LifespanFailure"
    assert "database down" in error.message
    assert NEXT not in runtime.lines()


def test_a_failed_warmup_is_logged_and_the_function_serves(function: Any) -> None:
    runtime = function(LIFECYCLE_FAIL_WARMUP="1")
    runtime.wait_for(NEXT)
    assert runtime.invoke("/x")["statusCode"] == 200
    output = runtime.stop()
    assert "warm-up GET /warm failed" in output
    assert "WARNING" in output
    assert "the warm-up fails on purpose" in output


def test_a_slow_first_request_startup_is_answered_504_before_the_deadline(
    function: Any,
) -> None:
    runtime = function(LIFECYCLE_STARTUP="first-request", LIFECYCLE_STARTUP_SECONDS="5")
    runtime.wait_for(NEXT)
    assert runtime.lines() == [NEXT]  # nothing started in INIT
    started = time.monotonic()
    response = runtime.invoke("/slow", timeout=2.0)
    took = time.monotonic() - started
    assert response["statusCode"] == 504
    assert took < 2.0, took
    output = runtime.stop()
    assert "lifespan startup did not finish" in output


def test_a_before_snapshot_failure_is_posted_to_init_error(function: Any) -> None:
    runtime = function(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start", LIFECYCLE_FAIL_SHUTDOWN="1")
    assert runtime.process.wait(15) == 64
    error = runtime.emulator.init_error
    assert isinstance(error, FunctionError)
    assert error.error_type == "Runtime.BeforeSnapshotError"
    assert "pool stuck" in error.message
    assert RESTORE not in runtime.lines()


def test_an_after_restore_failure_is_posted_to_restore_error(function: Any) -> None:
    runtime = function(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start", LIFECYCLE_FAIL_STARTUP="2")
    assert runtime.process.wait(15) == 65
    error = runtime.emulator.init_error
    assert isinstance(error, FunctionError)
    assert error.error_type == "Runtime.AfterRestoreError"
    assert "database down" in error.message
    lines = runtime.lines()
    assert "runtime POST /2018-06-01/runtime/restore/error" in lines
    assert NEXT not in lines
