"""``--runtime inprocess``: the handler runs inside the server process.

Invocations take turns, as in one Lambda execution environment: the server
is threaded, the function sees one event at a time. Events and results go
through JSON as they do in Lambda, so a result Lambda could not serialise
fails here too. A handler that fails to import is imported again on the next
request (Lambda retries init on the next invoke), so fixing the file is
enough.

``--timeout`` is enforced as Lambda does: the handler runs in a worker
thread, and when it has not answered in time the gateway gets the failed
invocation (its own error answer) and the console says so. A thread cannot
be stopped from outside, so the late handler runs on in the background and
the next event waits for it (Lambda would reset the environment instead:
``--runtime ric`` does that).
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from ..testing.context import LambdaContext
from .console import Console
from .invocation import FUNCTION_NAME, FunctionError, lambda_environment
from .runtime_api import TimedOut
from .target import Kind, Target, make_handler

__all__ = ["InProcessRuntime", "init_failure"]

Handler = Callable[[Any, Any], Any]


def _trace(exc: BaseException) -> list[str]:
    return traceback.format_list(traceback.extract_tb(exc.__traceback__))


def init_failure(exc: BaseException) -> FunctionError:
    """The error Lambda reports when importing the handler raised ``exc``."""
    if isinstance(exc, SyntaxError):
        kind = "Runtime.UserCodeSyntaxError"
    elif isinstance(exc, ImportError):
        kind = "Runtime.ImportModuleError"
    elif isinstance(exc, AttributeError):
        kind = "Runtime.HandlerNotFound"
    else:
        kind = f"Runtime.InitError ({type(exc).__name__})"
    return FunctionError(kind, str(exc), _trace(exc))


class InProcessRuntime:
    """Import the target here and call its handler for each event."""

    def __init__(
        self,
        target: Target,
        *,
        kind: Kind = "auto",
        adapter_options: Mapping[str, Any] | None = None,
        timeout: float = 30.0,
        memory_mb: int = 128,
        console: Console | None = None,
    ) -> None:
        self.target = target
        self.console = console
        self.kind: Kind = kind
        self.adapter_options = dict(adapter_options or {})
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.description = "in-process"
        self._handler: Handler | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Set the Lambda environment variables (keeping any already set) and import.

        Raises :class:`FunctionError` if the import fails; the next
        invocation tries again.
        """
        environment = lambda_environment(
            task_root=self.target.root,
            handler=f"{self.target.module}.{self.target.attr}",
            memory_mb=self.memory_mb,
            for_process=False,
        )
        for name, value in environment.items():
            os.environ.setdefault(name, value)
        with self._lock:
            self._load()

    def _load(self) -> Handler:
        if self._handler is None:
            try:
                handler, what = make_handler(self.target.load(), self.kind, self.adapter_options)
            except Exception as exc:
                raise init_failure(exc) from exc
            self._handler = handler
            self.description = f"in-process, {what}"
        return self._handler

    def invoke(self, event: bytes, request_id: str) -> bytes:
        deadline = time.monotonic() + self.timeout
        # One event at a time; one still running past its time-out holds the lock.
        if not self._lock.acquire(timeout=self.timeout):
            raise self._timed_out(request_id, still_running="an earlier event")
        try:
            handler = self._load()
        except BaseException:
            self._lock.release()
            raise
        context = LambdaContext(
            function_name=FUNCTION_NAME,
            memory_limit_in_mb=self.memory_mb,
            timeout=max(deadline - time.monotonic(), 0.0),
            aws_request_id=request_id,
        )
        outcome: list[Any] = []
        done = threading.Event()

        def run() -> None:
            try:
                outcome.append(handler(json.loads(event), context))
            except BaseException as exc:  # SystemExit too: the invocation fails
                outcome.append(FunctionError(type(exc).__name__, str(exc), _trace(exc)))
            finally:
                self._lock.release()
                done.set()

        threading.Thread(target=run, name=f"hatchway-invoke-{request_id}", daemon=True).start()
        if not done.wait(max(deadline - time.monotonic(), 0.0)):
            raise self._timed_out(request_id, still_running="it")
        result = outcome[0]
        if isinstance(result, FunctionError):
            raise result
        try:
            return json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise FunctionError(
                "Runtime.MarshalError", f"Unable to marshal response: {exc}"
            ) from exc

    def _timed_out(self, request_id: str, *, still_running: str) -> TimedOut:
        if self.console is not None:
            self.console.failure(
                f"request {request_id} timed out after {self.timeout:g} s; {still_running} "
                "still runs in this process, and the next event waits for it (Lambda "
                "resets the environment instead: --runtime ric does that)"
            )
        return TimedOut("Sandbox.Timedout", f"Task timed out after {self.timeout:.2f} seconds")

    def close(self) -> None:
        """Nothing to stop: lifespan shutdown runs at interpreter exit."""
