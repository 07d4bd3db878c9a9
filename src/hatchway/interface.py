"""Telling an ASGI app from a WSGI app, without importing asyncio."""

from __future__ import annotations

import functools
from types import CodeType, MethodType
from typing import Any, Literal

__all__ = ["Interface", "detect_interface"]

Interface = Literal["asgi", "wsgi"]


#: inspect.CO_COROUTINE: importing inspect would add about a third to ``import hatchway``.
_CO_COROUTINE = 0x80


def _is_coroutine_function(func: Any) -> bool:
    """``inspect.iscoroutinefunction``: methods and partials unwrapped, then the code flag."""
    while isinstance(func, MethodType):
        func = func.__func__
    while isinstance(func, functools.partial):
        func = func.func
    code = getattr(func, "__code__", None)
    return isinstance(code, CodeType) and bool(code.co_flags & _CO_COROUTINE)


def _is_async(func: Any) -> bool:
    if _is_coroutine_function(func):
        return True
    # Cython-compiled coroutines (Falcon's, for one) and asgiref's
    # markcoroutinefunction on Python < 3.12 carry this marker instead.
    return getattr(func, "_is_coroutine", None) is not None or (
        getattr(func, "_is_coroutine_marker", None) is not None
    )


def _inherited_call(cls: type) -> Any:
    """The ``__call__`` a class defines for its instances (not its metaclass's)."""
    for klass in cls.__mro__:
        if "__call__" in vars(klass):
            return vars(klass)["__call__"]
    return None


def detect_interface(app: Any) -> Interface:
    """``"asgi"`` for an async callable or an object whose ``__call__`` is async
    (FastAPI, Starlette, Django's ASGIHandler, Falcon's ``falcon.asgi.App``), and
    for an ASGI 2 class; ``"wsgi"`` for every other callable (Flask, Django's
    WSGIHandler, Falcon's ``falcon.App``, Bottle)."""
    if not callable(app):
        raise TypeError(f"the app must be an ASGI or WSGI callable, not {type(app).__name__}")
    if _is_async(app):
        return "asgi"
    if isinstance(app, type):
        # ASGI 2: instantiated with the scope, the instance's __call__ is async.
        return "asgi" if _is_async(_inherited_call(app)) else "wsgi"
    # An instance whose class has an async __call__ (for plain functions and
    # methods this finds the type's own __call__, which is not async).
    if _is_async(_inherited_call(type(app))):
        return "asgi"
    return "wsgi"
