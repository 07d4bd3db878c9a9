"""Loggers that import :mod:`logging` only when something is first logged.

``logging`` (with the traceback, threading and string modules it pulls in) is
the largest part of ``import hatchway`` otherwise, and a healthy WSGI function
may never log at all. Under the AWS runtime client it is already loaded, and
this costs nothing.
"""

from __future__ import annotations

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


__all__ = ["LazyLogger", "request_id_of"]


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
