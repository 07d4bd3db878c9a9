"""Start ``hatchway serve`` as a real subprocess and always tear it down."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

TARGETS = Path(__file__).resolve().parents[1] / "local_targets"
ROOT = Path(__file__).resolve().parents[2]
_BANNER = re.compile(r"hatchway serve: (http://[^/\s]+)(\S*)")


class ServeProcess:
    """``python -m hatchway serve ARGS --port 0``, its output collected as it runs."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        environment = dict(os.environ)
        environment.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
        environment.update(env or {})
        self.args = list(args)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hatchway", "serve", *args, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=environment,
            start_new_session=True,  # its own group: teardown reaches all it started
        )
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.base_url = ""

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            with self._new_line:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._new_line.notify_all()

    @property
    def output(self) -> str:
        with self._new_line:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first output line matching ``pattern``; fails after ``timeout`` seconds."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._new_line:
            while True:
                for line in self.lines[seen:]:
                    found = compiled.search(line)
                    if found:
                        return found
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"no line matching {pattern!r} from hatchway serve {self.args}:\n"
                        + "\n".join(self.lines)
                    )
                self._new_line.wait(min(left, 0.5))

    def ready(self, timeout: float = 60.0) -> ServeProcess:
        """Wait for the banner and remember the server's address."""
        self.base_url = self.wait_for(_BANNER.pattern, timeout).group(1)
        return self

    def terminate(self) -> None:
        """Ask the server to stop (it stops its runtime first)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the whole group whatever is left."""
        if self.process.poll() is None:
            self.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self._reader.join(5)


@contextlib.contextmanager
def serving(
    args: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> Iterator[ServeProcess]:
    """A ready server for the block, stopped afterwards whatever happens."""
    server = ServeProcess(args, env)
    try:
        yield server.ready(timeout)
    finally:
        server.stop()


def target(name: str) -> str:
    """``tests/local_targets/NAME`` as a TARGET path."""
    return str(TARGETS / name)
