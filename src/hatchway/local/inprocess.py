"""``--runtime inprocess``: the handler runs inside the server process.

Invocations take turns, as in one Lambda execution environment: the server
is threaded, the function sees one event at a time. Events and results go
through JSON as they do in Lambda, so a result Lambda could not serialise
fails here too. A handler that fails to import is imported again on the next
request (Lambda retries init on the next invoke), so fixing the file is
enough. There is no forced time-out: the context's deadline lets the app
(and hatchway's ASGI runner) give up in time, as in Lambda.
"""

from __future__ import annotations

import json
import os
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from ..testing.context import LambdaContext
from .invocation import FUNCTION_NAME, FunctionError, lambda_environment
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
    ) -> None:
        self.target = target
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
        with self._lock:
            handler = self._load()
            context = LambdaContext(
                function_name=FUNCTION_NAME,
                memory_limit_in_mb=self.memory_mb,
                timeout=self.timeout,
                aws_request_id=request_id,
            )
            try:
                result = handler(json.loads(event), context)
            except Exception as exc:
                raise FunctionError(type(exc).__name__, str(exc), _trace(exc)) from exc
        try:
            return json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise FunctionError(
                "Runtime.MarshalError", f"Unable to marshal response: {exc}"
            ) from exc

    def close(self) -> None:
        """Nothing to stop: lifespan shutdown runs at interpreter exit."""
