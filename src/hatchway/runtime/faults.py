"""Errors in the shape Lambda expects, and the handler's loading and marshalling.

An error document is ``{"errorMessage", "errorType", "requestId",
"stackTrace"}``; the stack trace starts at the first frame outside this
package (the runtime's own frames mean nothing to the function's author).
Loading, unmarshalling and marshalling fail with the managed runtime's
``Runtime.*`` error types and messages, so a function reports the same
errors under either runtime.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Fault", "Marshaller", "error_document", "load_handler", "unmarshal"]

Handler = Callable[[Any, Any], Any]

#: hatchway's own frames lead every traceback (runtime loop, Adapter, runner): dropped.
_HERE = str(Path(__file__).resolve().parent.parent) + os.sep
#: Python versions whose managed runtime marshals results with ensure_ascii=False.
_UNESCAPED = frozenset(f"AWS_Lambda_python3.{minor}" for minor in range(12, 20))


class Fault(Exception):
    """A failure the runtime reports with one of its own ``Runtime.*`` types."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []

    def document(self, request_id: str | None = None) -> dict[str, Any]:
        return _document(self.message, self.error_type, self.trace, request_id)


def _document(
    message: str, error_type: str, trace: list[str], request_id: str | None
) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id or "",
        "stackTrace": trace,
    }


def error_document(exc: BaseException, request_id: str | None = None) -> dict[str, Any]:
    """The error document for an exception the handler (or the app) raised."""
    if isinstance(exc, Fault):
        return exc.document(request_id)
    frames = list(traceback.extract_tb(exc.__traceback__))
    for index, frame in enumerate(frames):
        if not frame.filename.startswith(_HERE):
            frames = frames[index:]
            break
    trace = traceback.format_list(frames)
    return _document(str(exc), type(exc).__name__, trace, request_id)


def load_handler(target: str) -> Handler:
    """Import ``module.attr`` (Lambda's ``_HANDLER`` form; ``dir/module.attr`` too)
    or ``module:attr`` and return the attribute; :class:`Fault` if that fails."""
    separator = ":" if ":" in target else "."
    module_name, found, attr = target.rpartition(separator)
    if not found or not module_name or not attr:
        raise Fault(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{target}': not enough values to unpack (expected 2, got 1)",
        )
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc}",
            trace,
        ) from exc
    handler: Any = module
    try:
        for name in attr.split("."):
            handler = getattr(handler, name)
    except AttributeError:
        raise Fault(
            "Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{module_name}'"
        ) from None
    return handler  # type: ignore[no-any-return]


def unmarshal(body: bytes, content_type: str) -> Any:
    """The event: JSON decoded, or the raw bytes for another content type."""
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except ValueError as exc:
        raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc


class Marshaller:
    """JSON-encodes results as the managed runtime of this Python version does
    (read from ``AWS_EXECUTION_ENV`` once)."""

    def __init__(self) -> None:
        unescaped = os.environ.get("AWS_EXECUTION_ENV") in _UNESCAPED
        self.encoder = json.JSONEncoder(ensure_ascii=not unescaped, allow_nan=True)

    def __call__(self, result: Any) -> tuple[bytes, str]:
        if isinstance(result, bytes):
            return result, "application/unknown"
        try:
            text = self.encoder.encode(result)
        except (TypeError, ValueError, OverflowError) as exc:
            raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
        return text.encode("utf-8"), "application/json"
