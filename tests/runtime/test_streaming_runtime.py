"""`python -m hatchway.runtime` against the Runtime API emulator: the context,
logs, error documents, init errors and forked workers of the managed runtime."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hatchway.local.invocation import FUNCTION_ARN, FunctionError, lambda_environment
from hatchway.local.runtime_api import RuntimeApiEmulator

pytestmark = pytest.mark.subprocess

TARGETS = Path(__file__).resolve().parents[1] / "streaming_targets"
SRC = Path(__file__).resolve().parents[2] / "src"
TIMEOUT = 15.0


class Runtime:
    """The emulator in this process, the runtime loop in a child process."""

    def __init__(
        self,
        handler: str,
        root: Path,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.emulator = RuntimeApiEmulator()
        self.emulator.start()
        self.emulator.begin_generation()
        environment = dict(os.environ)
        environment.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
        environment.update(
            lambda_environment(
                task_root=str(root), handler=handler, memory_mb=256, for_process=True
            )
        )
        environment["AWS_LAMBDA_RUNTIME_API"] = self.emulator.address
        environment["PYTHONPATH"] = os.pathsep.join([str(root), str(SRC)])
        environment.update(env or {})
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "hatchway.runtime"],
            env=environment,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def invoke(self, event: object) -> bytes:
        invocation = self.emulator.submit(json.dumps(event).encode(), str(uuid.uuid4()), TIMEOUT)
        result = self.emulator.wait(invocation, TIMEOUT)
        assert isinstance(result, bytes)
        return result

    def stop(self) -> str:
        """End the runtime (its whole group) and return everything it printed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        output, _ = self.process.communicate(timeout=10)
        self.emulator.close()
        return output.decode("utf-8", "replace")


@pytest.fixture
def runtime() -> Iterator[list[Runtime]]:
    started: list[Runtime] = []
    yield started
    for item in started:
        item.stop()


def test_context_trace_id_and_request_id_in_the_logs(runtime):
    # As in Lambda, INFO records show only when the log level lets them through.
    item = Runtime("handler_target.handler", TARGETS, {"AWS_LAMBDA_LOG_LEVEL": "INFO"})
    runtime.append(item)
    answer = json.loads(item.invoke({"action": "context"}))
    assert answer["arn"] == FUNCTION_ARN
    assert answer["function_name"] == "hatchway-local"
    assert answer["memory"] == "256"
    assert 0 < answer["remaining_ms"] <= TIMEOUT * 1000
    assert answer["trace"].startswith("Root=1-")
    assert answer["client_context"] is None
    output = item.stop()
    runtime.clear()
    request_id = answer["request_id"]
    line = next(line for line in output.splitlines() if "looking at the context" in line)
    level, stamp, logged_id, message = line.split("\t")
    assert (level, logged_id, message) == ("[INFO]", request_id, "looking at the context")
    assert stamp.endswith("Z")
    assert "T" in stamp


def test_json_log_format(runtime):
    env = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
    item = Runtime("handler_target.handler", TARGETS, env)
    runtime.append(item)
    answer = json.loads(item.invoke({"action": "context"}))
    output = item.stop()
    runtime.clear()
    record = json.loads(next(x for x in output.splitlines() if "looking at the context" in x))
    assert record["level"] == "INFO"
    assert record["requestId"] == answer["request_id"]
    assert record["logger"] == "handler_target"


@pytest.mark.parametrize(
    ("action", "error_type", "message"),
    [
        pytest.param("raise", "ValueError", "a bad value on purpose", id="handler-raises"),
        pytest.param(
            "unserialisable",
            "Runtime.MarshalError",
            "Unable to marshal response: Object of type object is not JSON serializable",
            id="result-not-json",
        ),
    ],
)
def test_handler_errors_are_posted_and_logged_and_the_next_invocation_works(
    runtime, action, error_type, message
):
    item = Runtime("handler_target.handler", TARGETS)
    runtime.append(item)
    with pytest.raises(FunctionError) as failed:
        item.invoke({"action": action})
    assert (failed.value.error_type, failed.value.message) == (error_type, message)
    if action == "raise":
        assert any("handler_target.py" in line for line in failed.value.stack_trace)
        # No frame of the runtime loop itself (the checkout's folder may be
        # called hatchway too, so look for the package's own files).
        package = str(SRC / "hatchway")
        assert not any(package in line for line in failed.value.stack_trace)
    assert json.loads(item.invoke({"x": 1})) == {"echo": {"x": 1}}
    output = item.stop()
    runtime.clear()
    assert f"[ERROR] {error_type}: {message}\rTraceback (most recent call last):" in output


def test_bytes_result_is_posted_raw(runtime):
    item = Runtime("handler_target.handler", TARGETS)
    runtime.append(item)
    assert item.invoke({"action": "bytes"}) == b"raw \xff bytes"


@pytest.mark.parametrize(
    ("handler", "source", "error_type", "message"),
    [
        pytest.param(
            "no_such_module.handler",
            None,
            "Runtime.ImportModuleError",
            "Unable to import module 'no_such_module': No module named 'no_such_module'",
            id="missing-module",
        ),
        pytest.param(
            "handler_target.nothing_here",
            None,
            "Runtime.HandlerNotFound",
            "Handler 'nothing_here' missing on module 'handler_target'",
            id="missing-attribute",
        ),
        pytest.param(
            "broken_syntax.handler",
            "def handler(event, context)\n    return 1\n",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'broken_syntax': expected ':' (broken_syntax.py, line 1)",
            id="syntax-error",
        ),
        pytest.param(
            "raises_on_import.handler",
            "raise KeyError('missing setting')\n",
            "KeyError",
            "'missing setting'",
            id="import-raises",
        ),
        pytest.param(
            "nodots", None, "Runtime.MalformedHandlerName", None, id="malformed-handler-name"
        ),
    ],
)
def test_init_errors_are_posted_and_the_runtime_exits(
    runtime, tmp_path, handler, source, error_type, message
):
    if source is not None:
        (tmp_path / (handler.partition(".")[0] + ".py")).write_text(source)
    (tmp_path / "handler_target.py").write_text((TARGETS / "handler_target.py").read_text())
    item = Runtime(handler, tmp_path)
    runtime.append(item)
    assert item.process.wait(TIMEOUT) == 1
    error = item.emulator.init_error
    assert error is not None
    assert error.error_type == error_type
    if message is not None:
        assert error.message == message
    assert f"[ERROR] {error_type}" in item.stop()
    runtime.clear()


def test_max_concurrency_forks_workers_that_poll_at_once(runtime):
    item = Runtime("handler_target.handler", TARGETS, {"AWS_LAMBDA_MAX_CONCURRENCY": "3"})
    runtime.append(item)
    emulator = item.emulator
    # Events queued at once, each keeping its worker busy a moment: with a fast
    # Runtime API one worker could otherwise take them all before the others poll.
    pending = [
        emulator.submit(
            json.dumps({"action": "context", "busy": 0.1}).encode(), str(uuid.uuid4()), TIMEOUT
        )
        for _ in range(12)
    ]
    answers = [json.loads(emulator.wait(inv, TIMEOUT)) for inv in pending]
    pids = {answer["pid"] for answer in answers}
    assert item.process.pid not in pids
    assert 1 < len(pids) <= 3
    # A worker's exit ends the others and the parent: Lambda then resets the environment.
    os.kill(pids.pop(), signal.SIGKILL)
    assert item.process.wait(TIMEOUT) != 0


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        # Lambda hands a wrapper the runtime's own start command.
        pytest.param("exec-wrapper", [sys.executable, "-m", "awslambdaric"], id="exec-wrapper"),
        pytest.param("bootstrap", [], id="bootstrap"),
    ],
)
def test_shipped_scripts_start_the_runtime_loop(runtime, script, arguments):
    path = SRC / "hatchway" / "runtime" / script
    assert os.access(path, os.X_OK)
    env = {"HATCHWAY_PYTHON": sys.executable, "PYTHONPATH": str(SRC)}
    item = Runtime("handler_target.handler", TARGETS, env, [str(path), *arguments])
    runtime.append(item)
    assert json.loads(item.invoke({"via": script})) == {"echo": {"via": script}}
