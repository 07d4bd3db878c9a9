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

from .._typing import TYPE_CHECKING

if TYPE_CHECKING:
    import decimal
    from collections.abc import Callable, Iterator
    from typing import Any

    Handler = Callable[[Any, Any], Any]

__all__ = ["Fault", "Marshaller", "error_document", "error_report", "load_handler", "unmarshal"]

#: hatchway's own frames lead every traceback (runtime loop, Adapter, runner): dropped.
_HERE = os.path.dirname(os.path.dirname(os.path.realpath(__file__))) + os.sep
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
    return error_report(exc, request_id)[0]


def error_report(
    exc: BaseException, request_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The error document, and the X-Ray fault awslambdaric sends beside it
    (``Lambda-Runtime-Function-XRay-Error-Cause``)."""
    if isinstance(exc, Fault):
        return exc.document(request_id), _xray_fault("LambdaValidationError", exc.message, [])
    frames = list(traceback.extract_tb(exc.__traceback__))
    for index, frame in enumerate(frames):
        if not frame.filename.startswith(_HERE):
            frames = frames[index:]
            break
    kind, message = type(exc).__name__, _text(exc)
    document = _document(message, kind, traceback.format_list(frames), request_id)
    return document, _xray_fault(kind, message, frames)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a broken __str__ must not take the runtime down
        return f"<unprintable {type(exc).__name__} object>"


def _xray_fault(kind: str, message: str, frames: list[traceback.FrameSummary]) -> dict[str, Any]:
    stack = [{"label": f.name, "path": f.filename, "line": f.lineno} for f in frames]
    return {
        "working_directory": os.getcwd(),
        "exceptions": [{"message": message, "type": kind, "stack": stack}],
        "paths": list(dict.fromkeys(f.filename for f in frames)),
    }


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


#: One decoder for every event (``json.loads`` would look for the encoding of each).
_DECODER = json.JSONDecoder()
_BOM = b"\xef\xbb\xbf"


def unmarshal(body: bytes, content_type: str) -> Any:
    """The event: JSON decoded, or the raw bytes for another content type.

    As awslambdaric (simplejson) reads it: strict UTF-8, a leading byte order
    mark skipped.
    """
    if content_type != "application/json":
        return body
    try:
        if body[:3] == _BOM:
            body = body[3:]
        return _DECODER.decode(body.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError too
        raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc


class _Fallback(Exception):
    """A value the standard encoder cannot write but awslambdaric's can."""


class Marshaller:
    """JSON-encodes results as the managed runtime of this Python version does
    (``ensure_ascii`` read from ``AWS_EXECUTION_ENV`` once).

    awslambdaric encodes with simplejson: a ``decimal.Decimal`` is written as
    its text (``Decimal("1.10")`` as ``1.10``, a NaN as ``NaN``) and ``bytes``
    inside the result as UTF-8 text. The standard encoder takes every result
    first; one holding a Decimal or bytes is written again by
    :func:`_encode_slowly`, which does as simplejson does. One difference
    stays: a named tuple is an array here (simplejson makes it an object),
    as the standard encoder writes every tuple without asking.
    """

    def __init__(self) -> None:
        unescaped = os.environ.get("AWS_EXECUTION_ENV") in _UNESCAPED
        self.ensure_ascii = not unescaped
        self.encoder = json.JSONEncoder(
            ensure_ascii=self.ensure_ascii, allow_nan=True, default=_default
        )

    def encode(self, value: Any) -> str:
        """``value`` as JSON text; TypeError, ValueError or OverflowError if it cannot be."""
        try:
            return self.encoder.encode(value)
        except _Fallback:
            return "".join(_encode_slowly(value, self.encoder, set()))

    def __call__(self, result: Any) -> tuple[bytes, str]:
        if isinstance(result, bytes):
            return result, "application/unknown"
        try:
            try:
                text = self.encoder.encode(result)
            except _Fallback:
                text = "".join(_encode_slowly(result, self.encoder, set()))
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
        return text.encode("utf-8"), "application/json"


def _is_decimal(value: Any) -> bool:
    # A Decimal exists only once its module is loaded: no import for the others.
    module = sys.modules.get("decimal")
    return module is not None and isinstance(value, module.Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, bytes) or _is_decimal(value):
        raise _Fallback
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encode_slowly(value: Any, encoder: json.JSONEncoder, seen: set[int]) -> Iterator[str]:
    """simplejson's output for what awslambdaric's encoder accepts (rare: only
    results that hold a Decimal or bytes come here)."""
    if isinstance(value, (str, int, float)) or value is None:  # bool is an int
        yield encoder.encode(value)
    elif _is_decimal(value):
        decimal_value: decimal.Decimal = value
        yield "NaN" if decimal_value.is_nan() else str(decimal_value)
    elif isinstance(value, bytes):
        yield encoder.encode(value.decode("utf-8"))
    elif isinstance(value, (dict, list, tuple)):
        if id(value) in seen:
            raise ValueError("Circular reference detected")
        seen.add(id(value))
        if isinstance(value, dict):  # a named tuple is an array, as on the fast path
            yield "{"
            for index, (key, item) in enumerate(value.items()):
                yield (", " if index else "") + encoder.encode(_key(key)) + ": "
                yield from _encode_slowly(item, encoder, seen)
            yield "}"
        else:
            yield "["
            for index, item in enumerate(value):
                if index:
                    yield ", "
                yield from _encode_slowly(item, encoder, seen)
            yield "]"
        seen.discard(id(value))
    else:
        yield from _encode_slowly(_default(value), encoder, seen)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8")
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, (int, float)):
        return json.dumps(key)
    if _is_decimal(key):
        return str(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
