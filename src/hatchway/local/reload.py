"""``--reload``: serve from a child process and restart it when source changes.

A small polling watcher of its own (rather than werkzeug's reloader, which
watches the modules imported by its own process: with ``--runtime ric`` the
app is imported only by the runtime process). Every half second it compares
the modification times of the ``.py`` files under the watched folders (the
target's folder and the current one, skipping hidden folders, virtual
environments and caches); on a change it stops the server (SIGTERM, so the
runtime and the app's lifespan shut down) and starts a new one on the same
port. If the first server exits by itself (the port is taken, a bad
option), the reloader exits with its status, as ``hatchway serve`` would
without ``--reload``; a later one that exits is started again at the next
change.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence

from .console import Console

__all__ = ["Reloader", "snapshot"]

_SKIP = frozenset(("__pycache__", "node_modules", "site-packages", "venv", "build", "dist"))
#: At most this many files are watched: a bigger tree is probably not the app.
_MAX_FILES = 20_000
_INTERVAL = 0.5
_STOP_GRACE = 5.0


def snapshot(roots: Iterable[str]) -> dict[str, float]:
    """Modification time of every watched ``.py`` file under ``roots``."""
    times: dict[str, float] = {}
    for root in dict.fromkeys(roots):
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in _SKIP]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    try:
                        times[path] = os.stat(path).st_mtime
                    except OSError:
                        continue
                    if len(times) >= _MAX_FILES:
                        return times
    return times


class Reloader:
    """Run ``python -m hatchway serve ARGS`` and restart it on source changes."""

    def __init__(self, serve_args: Sequence[str], roots: Sequence[str], console: Console) -> None:
        self.command = [sys.executable, "-m", "hatchway", "serve", *serve_args]
        self.roots = list(roots)
        self.console = console
        self._child: subprocess.Popen[bytes] | None = None

    def run(self) -> int:
        """Serve until interrupted (Ctrl+C or SIGTERM)."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            known = snapshot(self.roots)
            self._start()
            first = True
            while True:
                time.sleep(_INTERVAL)
                status = self._child.poll() if first and self._child is not None else None
                if status is not None:
                    return status
                current = snapshot(self.roots)
                if current == known:
                    continue
                changed = sorted(
                    p for p in current.keys() | known.keys() if current.get(p) != known.get(p)
                )
                known = current
                first = False
                self.console.say(f"hatchway: {os.path.relpath(changed[0])} changed, restarting")
                self._stop()
                self._start()
        except KeyboardInterrupt:
            return 0
        finally:
            # A second Ctrl+C or SIGTERM must not cut the child's shutdown short.
            previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                self._stop()
            finally:
                signal.signal(signal.SIGINT, previous_int)
                signal.signal(signal.SIGTERM, previous)

    def _start(self) -> None:
        self._child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
