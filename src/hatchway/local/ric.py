"""``--runtime ric``: the handler runs in the real AWS runtime client.

hatchway starts the Runtime API emulator on a free loopback port and runs
``python -m awslambdaric hatchway_local_handler.handler`` with
``AWS_LAMBDA_RUNTIME_API`` and the usual Lambda variables set, as the Python
runtime does in Lambda. ``hatchway_local_handler`` is a small module written
to a temporary folder: it loads the TARGET (wrapping an app in ``Adapter``)
so the runtime imports, calls and serialises exactly as in Lambda. With
``AWS_LAMBDA_MAX_CONCURRENCY`` set, awslambdaric forks that many workers,
each importing the handler and polling for work on its own.

The runtime runs in its own process group, so stopping it stops its workers
too. When it exits (an init error, a crash, ``os._exit``), the invocations
it held fail with the reason and a new runtime starts for the next request.
A time-out ends the runtime too, as Lambda resets the environment after one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .console import Console
from .invocation import FunctionError, StreamedResult, lambda_environment
from .runtime_api import RuntimeApiEmulator, TimedOut
from .target import Kind, Target

__all__ = ["HatchwayRuntime", "RicRuntime"]

_SHIM = "hatchway_local_handler"
#: hatchway.runtime.snapstart.COPIES_VARIABLE (not imported: the runtime stays unloaded here).
SNAPSHOT_COPIES = "HATCHWAY_SNAPSHOT_COPIES"
#: Seconds a stopping runtime gets to run its shutdown (SIGTERM) before SIGKILL.
#: Before Python 3.12 awslambdaric waits for work in native code on the main
#: thread, where no signal handler runs: a longer grace would only add delay.
_STOP_GRACE = 1.0
#: A telemetry log frame: type (0xA55A....), length, timestamp, each big-endian.
_FRAME_HEADER = 16
_FRAME_MAGIC = b"\xa5\x5a"
#: Seconds past the function's time-out before the gateway gives up waiting.
_WAIT_SLACK = 1.0


def _shim_source(target: str, kind: Kind, adapter_options: Mapping[str, Any]) -> str:
    return (
        '"""Written by `hatchway serve --runtime ric`: the handler awslambdaric imports."""\n\n'
        "from hatchway.local.target import load_handler\n\n"
        f"handler = load_handler({target!r}, {kind!r}, {dict(adapter_options)!r})\n"
    )


def _owned_folder(path: Path) -> bool:
    """Whether ``path`` is a real folder (not a link) of this user."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def runtime_folder() -> str:
    """A new folder for the handler shim, ``$TMPDIR/hatchway-UID/ric-PID-*``.

    Folders there whose server process is gone (killed with SIGKILL, or a
    machine that went down) are removed first, so they never pile up. If
    the per-user folder is not ours (another user made it, a link), a plain
    temporary folder is used instead.
    """
    base = Path(tempfile.gettempdir(), f"hatchway-{os.getuid()}")
    with contextlib.suppress(FileExistsError):
        base.mkdir(mode=0o700)
    if not _owned_folder(base):
        return tempfile.mkdtemp(prefix="hatchway-ric-")
    for entry in base.iterdir():
        prefix, _, rest = entry.name.partition("-")
        pid = rest.partition("-")[0]
        if prefix == "ric" and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"ric-{os.getpid()}-", dir=base)


def _print_lines(stream: BinaryIO, write: Callable[[str], None]) -> None:
    """Write each line of ``stream`` whole, until it ends."""
    with stream:
        for line in stream:
            write(line.decode("utf-8", "replace").rstrip("\r\n"))


class RicRuntime:
    """Run the handler in an ``awslambdaric`` child process fed by the emulator."""

    #: The runtime client: the module run with ``python -m``, and its name in messages.
    module = "awslambdaric"
    label = "awslambdaric"
    #: Whether ``--snapstart --max-concurrency N`` forks N copies of one
    #: initialised process (else each worker initialises on its own).
    forks_snapshot = False

    def __init__(
        self,
        target: Target,
        console: Console,
        *,
        kind: Kind = "auto",
        adapter_options: Mapping[str, Any] | None = None,
        timeout: float = 30.0,
        memory_mb: int = 128,
        max_concurrency: int | None = None,
        snapstart: bool = False,
    ) -> None:
        self.target = target
        self.console = console
        self.kind: Kind = kind
        self.adapter_options = dict(adapter_options or {})
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.max_concurrency = max_concurrency
        #: Play SnapStart: INIT, the snapshot hooks and restore/next before any request.
        self.snapstart = snapstart
        workers = f", {max_concurrency} workers" if max_concurrency else ""
        if snapstart:
            workers = (
                f", SnapStart, the snapshot forked into {max_concurrency} copies"
                if max_concurrency and self.forks_snapshot
                else f"{workers}, SnapStart"
            )
        self.description = f"{self.label}{workers}"
        self.emulator = RuntimeApiEmulator(
            on_init_error=self._report_init_error, on_call=self._phase
        )
        #: The phases the current runtime process was said to have reached.
        self._phases_said: set[str] = set()
        self._folder: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()
        self._closing = False

    def start(self) -> None:
        self.emulator.start()
        self._folder = runtime_folder()
        spec = f"{self.target.file}:{self.target.attr}" if self.target.file else self.target.text
        source = _shim_source(spec, self.kind, self.adapter_options)
        Path(self._folder, f"{_SHIM}.py").write_text(source, encoding="utf-8")
        self.ensure_running()

    def ensure_running(self) -> None:
        """Start a runtime process unless one is running."""
        with self._lock:
            if self._closing or (self._process is not None and self._process.poll() is None):
                return
            generation = self.emulator.begin_generation()
            self._phases_said = set()
            # Log records come framed on a pipe, as Lambda's telemetry descriptor
            # takes them: each is printed whole (a traceback ends its line) and
            # a multi-line one keeps its lines (on standard output, the runtime
            # would join them with \r for CloudWatch).
            log_reader, log_writer = os.pipe()
            environment = self._environment()
            environment["_LAMBDA_TELEMETRY_LOG_FD"] = str(log_writer)
            try:
                process = subprocess.Popen(
                    [sys.executable, "-m", self.module, f"{_SHIM}.handler"],
                    env=environment,
                    stdin=subprocess.DEVNULL,
                    # Through this process, line by line: the server's own lines
                    # and the function's output never mix mid-line.
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=(log_writer,),
                    # Its own process group: stopping it reaches the workers.
                    start_new_session=True,
                )
            except BaseException:
                os.close(log_reader)
                raise
            finally:
                os.close(log_writer)
            self._process = process
        threading.Thread(
            target=self._print_log_frames,
            args=(os.fdopen(log_reader, "rb"),),
            name="hatchway-ric-logs",
            daemon=True,
        ).start()
        assert process.stdout is not None
        assert process.stderr is not None
        for stream, write in (
            (process.stdout, self.console.say),
            (process.stderr, self.console.warn),
        ):
            threading.Thread(
                target=_print_lines, args=(stream, write), name="hatchway-ric-output", daemon=True
            ).start()
        self.console.say(f"hatchway: {self.label} started (pid {process.pid})")
        threading.Thread(
            target=self._watch, args=(process, generation), name="hatchway-ric-watch", daemon=True
        ).start()

    def _environment(self) -> dict[str, str]:
        import hatchway

        environment = dict(os.environ)
        environment.update(
            lambda_environment(
                task_root=self.target.root,
                handler=f"{_SHIM}.handler",
                memory_mb=self.memory_mb,
                for_process=True,
            )
        )
        environment["AWS_LAMBDA_RUNTIME_API"] = self.emulator.address
        if self.snapstart:
            environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
        environment.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
        environment.pop(SNAPSHOT_COPIES, None)
        if self.max_concurrency and self.snapstart and self.forks_snapshot:
            # The snapshot is a fork: one process initialised, N restored copies.
            environment[SNAPSHOT_COPIES] = str(self.max_concurrency)
        elif self.max_concurrency:
            environment["AWS_LAMBDA_MAX_CONCURRENCY"] = str(self.max_concurrency)
        # The shim first, then the task root; hatchway itself stays importable
        # even when it runs from a source tree rather than an installation.
        package_root = str(Path(hatchway.__file__).resolve().parent.parent)
        paths = [self._folder or "", self.target.root, package_root]
        if environment.get("PYTHONPATH"):
            paths.append(environment["PYTHONPATH"])
        environment["PYTHONPATH"] = os.pathsep.join(paths)
        return environment

    def _watch(self, process: subprocess.Popen[bytes], generation: int) -> None:
        code = process.wait()
        if self._closing:
            return
        error = self.emulator.init_error
        if error is None:
            error = FunctionError(
                "Runtime.ExitError", f"Runtime exited with error: exit status {code}"
            )
            self.console.failure(
                f"the runtime process {process.pid} exited (status {code}); "
                "a new one starts for the next request"
            )
        self.emulator.end_generation(generation, error)
        with self._lock:
            if self._process is process:
                self._process = None
        if self.emulator.has_waiting():
            self.ensure_running()

    def _print_log_frames(self, frames: BinaryIO) -> None:
        """Print each log record the runtime writes, until it exits."""
        with frames:
            while True:
                header = frames.read(_FRAME_HEADER)
                if len(header) < _FRAME_HEADER:
                    return
                if header[:2] != _FRAME_MAGIC:  # not framed after all: pass it on as it is
                    rest = header + frames.read()
                    self.console.say(rest.decode("utf-8", "replace").rstrip("\n"))
                    return
                size = int.from_bytes(header[4:8], "big")
                record = frames.read(size).decode("utf-8", "replace")
                self.console.say(record.replace("\xa0", " ").rstrip("\n"))

    def _phase(self, method: str, path: str) -> None:
        """Say when INIT (and under SnapStart, the snapshot and restore) is over:
        the runtime's first ``restore/next`` and first ``invocation/next``."""
        if path.endswith("/restore/next"):
            phase = "restoring"
        elif path.endswith("/invocation/next"):
            phase = "ready"
        else:
            return
        with self._lock:
            if phase in self._phases_said:
                return
            self._phases_said.add(phase)
        if phase == "restoring":
            self.console.say(
                "hatchway: INIT done and before-snapshot hooks run; snapshot taken, restoring"
            )
        elif self.emulator.restored.is_set():
            self.console.say("hatchway: restored, after-restore hooks run; ready for requests")
        else:
            self.console.say("hatchway: INIT done; ready for requests")

    def _report_init_error(self, error: FunctionError) -> None:
        # The runtime has logged the error with its trace already.
        self.console.failure(
            f"the function failed to initialise in {self.label} (each request tries "
            f"again): {error.error_type}: {error.message}"
        )

    def invoke(self, event: bytes, request_id: str) -> bytes | StreamedResult:
        self.ensure_running()
        invocation = self.emulator.submit(event, request_id, self.timeout)
        try:
            return self.emulator.wait(invocation, self.timeout + _WAIT_SLACK)
        except TimedOut:
            self.console.failure(
                f"request {request_id} timed out after {self.timeout:g} s; "
                "restarting the runtime, as Lambda resets the environment"
            )
            self._stop_process()
            # Lambda's message names the function's time-out, not the wait's slack.
            raise TimedOut(
                "Sandbox.Timedout", f"Task timed out after {self.timeout:.2f} seconds"
            ) from None

    def _stop_process(self) -> None:
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(_STOP_GRACE)
        # Forked workers may outlive their parent briefly: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        with self._lock:
            self._closing = True
        self._stop_process()
        self.emulator.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


class HatchwayRuntime(RicRuntime):
    """``--runtime hatchway``: hatchway's own runtime loop (``python -m
    hatchway.runtime``) in place of awslambdaric, against the same emulator.
    It can post streamed responses (``Adapter(app, streaming=True)``, or
    ``--streaming`` for an app TARGET), which the gateway forwards as they arrive."""

    module = "hatchway.runtime"
    label = "hatchway runtime"
    forks_snapshot = True
