"""Loggers that import :mod:`logging` only when something is first logged.

``logging`` (with the traceback, threading and string modules it pulls in) is
the largest part of ``import hatchway`` otherwise, and a healthy WSGI function
may never log at all. Under the AWS runtime client it is already loaded, and
this costs nothing.
"""

from __future__ import annotations

from contextvars import ContextVar

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


__all__ = ["LazyLogger", "RequestFields", "current_request", "invocation", "request_id_of"]


class LazyLogger:
    """Stands for ``logging.getLogger(name)``; every attribute comes from it."""

    __slots__ = ("_logger", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: Any = None

    def __getattr__(self, attribute: str) -> Any:
        logger = self._logger
        if logger is None:
            import logging

            logger = self._logger = logging.getLogger(self.name)
        return getattr(logger, attribute)


def request_id_of(context: Any) -> str:
    """The invocation's request id for log lines; ``-`` without a context."""
    return str(getattr(context, "aws_request_id", None) or "-")


class RequestFields:
    """What a log line says about the invocation: ``GET /path (request id X)``,
    or only ``(request id X)`` while the event is not parsed yet. Passed as a
    ``%s`` argument, it is formatted only when the line is written."""

    __slots__ = ("context", "request")

    def __init__(self, request: Any, context: Any) -> None:
        #: The parsed :class:`~hatchway.http.Request`, once there is one.
        self.request = request
        self.context = context

    def __str__(self) -> str:
        request_id = request_id_of(self.context)
        request = self.request
        if request is None:
            return f"(request id {request_id})"
        return f"{request.method} {request.path} (request id {request_id})"


#: The invocation being handled, for log lines written where it is not at hand
#: (a source parsing or rendering): set by the Adapter around each event.
invocation: ContextVar[RequestFields | None] = ContextVar("hatchway_invocation", default=None)


def current_request() -> object:
    """The invocation being handled, as a log line's ``%s`` argument."""
    return invocation.get() or "(outside an invocation)"
