"""What both local runtimes share: the function's failure, the runtime's
interface and its streamed results, and the environment variables Lambda sets for a function."""

from __future__ import annotations

import json
import os
import queue
import re
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

__all__ = [
    "FUNCTION_ARN",
    "FUNCTION_NAME",
    "FunctionError",
    "Runtime",
    "StreamedResult",
    "lambda_environment",
]

FUNCTION_NAME = "hatchway-local"
REGION = "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION_NAME}"


class FunctionError(Exception):
    """The invocation failed: the handler raised, init failed, the runtime died
    or the time ran out. Shaped like the Runtime API's error document."""

    def __init__(self, error_type: str, message: str, stack_trace: Sequence[str] = ()) -> None:
        self.error_type = error_type
        self.message = message
        self.stack_trace = list(stack_trace)
        #: Whether the runtime has logged it already (it posted it to the Runtime API).
        self.logged = False
        super().__init__(f"{error_type}: {message}")

    @classmethod
    def from_document(cls, payload: bytes, error_type: str | None = None) -> FunctionError:
        """Read the ``{errorType, errorMessage, stackTrace}`` JSON a runtime posts."""
        try:
            document = json.loads(payload or b"{}")
        except ValueError:
            document = {"errorMessage": payload.decode("utf-8", "replace")}
        if not isinstance(document, dict):
            document = {"errorMessage": str(document)}
        trace = document.get("stackTrace")
        return cls(
            str(document.get("errorType") or error_type or "Unknown"),
            str(document.get("errorMessage") or ""),
            [str(line) for line in trace] if isinstance(trace, list) else (),
        )

    def describe(self) -> str:
        """The error and its stack trace, as text for the terminal: the trace
        from the user's first frame (the import machinery's and hatchway's own
        frames before it say nothing about the error)."""
        lines = [f"{self.error_type}: {self.message}"]
        frames = user_frames(self.stack_trace)
        if len(frames) < len(self.stack_trace):
            left_out = len(self.stack_trace) - len(frames)
            lines.append(f"  ({left_out} frames of hatchway and importlib before these left out)")
        lines.extend(line.rstrip("\n") for line in frames)
        return "\n".join(lines)


_FRAME_FILE = re.compile(r'File "([^"]*)"')
_HATCHWAY_LOCAL = str(Path(__file__).resolve().parent)
_MACHINERY = ("<frozen importlib", "<frozen runpy", "hatchway_local_handler.py")


def _is_machinery(frame: str) -> bool:
    found = _FRAME_FILE.search(frame)
    if found is None:
        return False
    path = found.group(1)
    return (
        path.startswith(_MACHINERY)
        or path.endswith(_MACHINERY[2])
        or os.path.join("importlib", "__init__.py") in path
        or path.startswith(_HATCHWAY_LOCAL)
    )


def user_frames(stack_trace: Sequence[str]) -> list[str]:
    """``stack_trace`` without its leading frames of the import machinery and
    of hatchway's local runtimes (all of it if nothing else is left)."""
    for index, frame in enumerate(stack_trace):
        if not _is_machinery(frame):
            return list(stack_trace[index:])
    return list(stack_trace)


_END = object()


class StreamedResult:
    """The chunks of one streamed response, passed between two threads."""

    def __init__(self, content_type: str, deadline: float) -> None:
        self.content_type = content_type
        #: ``time.monotonic()`` after which the gateway stops waiting for chunks.
        self.deadline = deadline
        self._chunks: queue.Queue[object] = queue.Queue()
        self.error: FunctionError | None = None

    def put(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def end(self, error: FunctionError | None = None) -> None:
        self.error = error
        self._chunks.put(_END)

    def chunks(self) -> Iterator[bytes]:
        """Each chunk as it arrives; the reported error (or a time-out) at the end."""
        while True:
            left = self.deadline - time.monotonic()
            try:
                item = self._chunks.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise FunctionError(
                    "Sandbox.Timedout", "the streamed response did not finish in time"
                ) from None
            if item is _END:
                if self.error is not None:
                    raise self.error
                return
            assert isinstance(item, bytes)
            yield item


class Runtime(Protocol):
    """Runs the function: one event in, the result JSON out."""

    #: A few words for the startup banner.
    description: str

    def start(self) -> None:
        """Get ready to serve (import the handler, or start the runtime process)."""

    def invoke(self, event: bytes, request_id: str) -> bytes | StreamedResult:
        """The function's result for the event JSON (or, from a runtime that
        streams, the stream as it arrives); raises :class:`FunctionError`."""

    def close(self) -> None:
        """Stop: end every process started and free the resources."""


def lambda_environment(
    *, task_root: str, handler: str, memory_mb: int, for_process: bool
) -> dict[str, str]:
    """The variables Lambda's Python runtime sets for a function.

    ``for_process`` adds those only a separate runtime process should get
    (``TZ``: changing it in the serving process would change its own clock
    output too).
    """
    today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    environment = {
        "_HANDLER": handler,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{today}/[$LATEST]{uuid.uuid4().hex}",
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": os.path.dirname(os.__file__),
    }
    if for_process:
        environment["TZ"] = ":UTC"
        environment["PYTHONUNBUFFERED"] = "1"
    return environment
