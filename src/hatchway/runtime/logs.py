"""Logging as the Python managed runtime sets it up.

The root logger gets one handler that writes each record with the current
request id: ``[LEVEL]\\t2024-01-31T12:00:00.123Z\\tREQUEST-ID\\tmessage`` in the
text format, one JSON object per record when ``AWS_LAMBDA_LOG_FORMAT=JSON``;
``AWS_LAMBDA_LOG_LEVEL`` sets the root level (``TRACE`` meaning DEBUG).

Records go to the telemetry file descriptor Lambda passes in
``_LAMBDA_TELEMETRY_LOG_FD`` when there is one, in its framing (type,
length, microsecond timestamp, message: multi-line messages stay one log
event), else to standard output, where an error's lines are joined with
``\\r`` so CloudWatch keeps them together.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback

from .._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, BinaryIO

__all__ = ["LogSink", "current", "log_error", "setup_logging"]


class _Current:
    """The invocation being served: what every log record is stamped with."""

    __slots__ = ("request_id", "tenant_id")

    def __init__(self) -> None:
        self.request_id = ""
        self.tenant_id: str | None = None


current = _Current()


def _frame_types(base: int) -> dict[int, bytes]:
    levels = [logging.NOTSET, logging.DEBUG, logging.INFO]
    levels += [logging.WARNING, logging.ERROR, logging.CRITICAL]
    return {level: (base + 4 * i).to_bytes(4, "big") for i, level in enumerate(levels)}


# Frame types of Lambda's telemetry log protocol, per level: 0xA55A0003 is a
# plain text record; the level-tagged ones let Lambda filter by level.
_TEXT_FRAMES = {logging.NOTSET: (0xA55A0003).to_bytes(4, "big")}
_TEXT_FRAMES.update({level: frame for level, frame in _frame_types(0xA55A0007).items() if level})
_JSON_FRAMES = {logging.NOTSET: (0xA55A0002).to_bytes(4, "big")}
_JSON_FRAMES.update({level: frame for level, frame in _frame_types(0xA55A0006).items() if level})


def _level_of(record: logging.LogRecord) -> int:
    return min(50, max(0, record.levelno)) // 10 * 10


class LogSink:
    """Where log text goes: framed on the telemetry descriptor, or standard output."""

    def __init__(self, framed: BinaryIO | None = None) -> None:
        self.framed = framed

    @classmethod
    def from_environment(cls) -> LogSink:
        fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
        if fd is not None and fd.isdigit():
            return cls(os.fdopen(int(fd), "wb", 0))
        return cls()

    def log(self, text: str, frame: bytes | None = None) -> None:
        if self.framed is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        data = text.encode("utf-8")
        stamp = time.time_ns() // 1000
        header = (frame or _TEXT_FRAMES[logging.NOTSET]) + len(data).to_bytes(4, "big")
        self.framed.write(header + stamp.to_bytes(8, "big") + data)

    def log_record(self, text: str, frame: bytes | None) -> None:
        """One log record, ending in a newline: one event whatever it holds.

        On standard output every newline starts a new CloudWatch event, so a
        newline inside the record (a decoded ``%0A`` in a logged path, say)
        could forge a record of its own: it becomes ``\\r``, which CloudWatch
        keeps inside the event, as the managed runtime does for tracebacks.
        """
        if self.framed is None and "\n" in text[:-1]:
            text = text[:-1].replace("\n", "\r") + "\n"
        self.log(text, frame)

    def log_lines(self, lines: list[str], frame: bytes) -> None:
        """One multi-line event (an error report)."""
        if self.framed is None:
            self.log("\r".join(lines).replace("\n", "\r") + "\n")
        else:
            self.log("\n".join(lines), frame)


class _TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
        self.converter = time.gmtime


_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "aws_request_id",
    "tenant_id",
}


class _JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        message: Any = record.msg
        if not (isinstance(message, dict) and not record.args):
            message = record.getMessage()
        document: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(_level_of(record)),
            "message": message,
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None) or None,
        }
        if record.exc_info and record.exc_info[0] is not None:
            document["errorType"] = record.exc_info[0].__name__
            document["errorMessage"] = str(record.exc_info[1])
            document["stackTrace"] = traceback.format_tb(record.exc_info[2])
            document["location"] = f"{record.pathname}:{record.funcName}:{record.lineno}"
        tenant = getattr(record, "tenant_id", None)
        if tenant is not None:
            document["tenantId"] = tenant
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in document:
                document[key] = value
        return (
            json.dumps(
                {k: v for k, v in document.items() if v is not None},
                ensure_ascii=False,
                default=str,
            )
            + "\n"
        )


class _LambdaHandler(logging.Handler):
    def __init__(self, log_sink: LogSink, frames: dict[int, bytes] | None) -> None:
        super().__init__()
        self.log_sink = log_sink
        self.frames = frames

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = current.request_id
        record.tenant_id = current.tenant_id
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            self.handleError(record)
            return
        frame = self.frames[_level_of(record)] if self.frames is not None else None
        self.log_sink.log_record(text, frame)


class _Settings:
    json = False


_settings = _Settings()


def setup_logging(sink: LogSink) -> None:
    """Install the Lambda log handler on the root logger (once per process)."""
    log_json = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    level = "DEBUG" if level == "TRACE" else level
    _settings.json = log_json
    # Level-tagged frames only when Lambda filters by level (as the managed runtime does).
    frames = _JSON_FRAMES if log_json else (_TEXT_FRAMES if level else None)
    handler = _LambdaHandler(sink, frames)
    handler.setFormatter(_JsonFormatter() if log_json else _TextFormatter())
    root = logging.getLogger()
    if level and isinstance(logging.getLevelName(level), int):  # a known level name
        root.setLevel(level)
    root.addHandler(handler)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)


def log_error(sink: LogSink, document: dict[str, Any]) -> None:
    """Log a failed invocation or init as the managed runtime does: ``[ERROR]
    Type: message`` and the traceback as one event (or one JSON record)."""
    if _settings.json:
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "ERROR",
            **document,
        }
        sink.log_lines(
            [json.dumps(record, ensure_ascii=False, default=str)], _JSON_FRAMES[logging.ERROR]
        )
        return
    kind, message = document.get("errorType"), document.get("errorMessage")
    headline = "[ERROR]"
    if kind:
        headline += f" {kind}:" if message else f" {kind}"
    if message:
        headline += f" {message}"
    lines = [headline, "Traceback (most recent call last):"]
    for entry in document.get("stackTrace") or ():
        for line in str(entry).splitlines():
            stripped = line.lstrip(" ")
            # Leading spaces become no-break spaces: CloudWatch would trim them.
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sink.log_lines(lines, _TEXT_FRAMES[logging.ERROR])
