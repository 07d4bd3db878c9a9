"""What ``hatchway serve`` prints: the banner, one access-log line per request,
errors, and (with ``--show-events``) each event and response dict.

Lines are written whole under a lock, so output from concurrent requests
never interleaves mid-line; each write is flushed at once so a log reader
(or a test) sees it while the server runs.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, TextIO

__all__ = ["Console"]

#: Longest string shown in full by --show-events; bodies beyond it are cut.
_SHOW_LIMIT = 2000


def _shortened(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _SHOW_LIMIT:
        return f"{value[:_SHOW_LIMIT]}... ({len(value)} characters in all)"
    if isinstance(value, dict):
        return {key: _shortened(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shortened(item) for item in value]
    return value


class Console:
    """Thread-safe output for the local server."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        """Write ``text`` (one or more lines) to standard output."""
        self._write(self.out, text)

    def warn(self, text: str) -> None:
        """Write ``text`` to standard error."""
        self._write(self.err, text)

    def failure(self, title: str, details: str = "") -> None:
        """An error block: a headline, then the details indented."""
        lines = [f"hatchway: {title}"]
        lines.extend(f"    {line}" for line in details.splitlines())
        self._write(self.err, "\n".join(lines))

    def access(
        self, client: str, method: str, target: str, status: int, millis: float, size: int
    ) -> None:
        """One access-log line: who asked what, the status, the time taken, the body size."""
        self._write(self.out, f'{client} "{method} {target}" {status} {millis:.1f}ms {size}B')

    def show(self, label: str, document: Any) -> None:
        """A JSON document, pretty-printed under ``label`` (long strings shortened)."""
        text = json.dumps(_shortened(document), indent=2, ensure_ascii=False)
        self._write(self.out, f"{label}\n{text}")

    def _write(self, stream: TextIO, text: str) -> None:
        with self._lock:
            stream.write(text + "\n")
            stream.flush()
