"""End to end: each handler in a real runtime process, against a local Runtime API.

A runtime client (``awslambdaric``, or hatchway's own loop ``python -m
hatchway.runtime``) polls :class:`LocalRuntimeApi`, a small threaded HTTP/1.1
server on 127.0.0.1 that answers ``GET /2018-06-01/runtime/invocation/next``
with the same event and the headers Lambda sends (``Content-Type``, request
id, deadline, invoked ARN, trace id), and takes the response, error and
streamed (chunked) posts with a 202. Its sockets set ``TCP_NODELAY``: without
it Nagle's algorithm holds small writes back and the delay dominates.

What a contender costs per invocation is the runtime process's CPU time
(user + system, from ``os.wait4``) of a long run minus that of a short run,
divided by the difference in invocations: start-up and import costs cancel
out. Contenders take turns, a short and a long run each per round; the table
shows medians over rounds. Each long run also gives the wall time per
invocation (between the ``next`` requests of its steady state), each short
run the cold start (process spawn to the first result posted) and the
process's peak RSS.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Contender", "LocalRuntimeApi", "Measured", "measure"]

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
_NEXT = b"/2018-06-01/runtime/invocation/next"
_TRACE = "Root=1-65f1c3a2-0a1b2c3d4e5f60718293a4b5;Parent=0123456789abcdef;Sampled=0"
#: How long a run may take before the harness gives up on the runtime.
_RUN_TIMEOUT = 60.0


class _Run:
    """The state of one runtime process's run: ``count`` invocations."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.served = 0
        #: perf_counter() when each ``next`` arrived (the last one is left waiting).
        self.polls: list[float] = []
        self.first_result: float | None = None
        self.results: list[tuple[str, bytes]] = []
        self.finished = threading.Event()
        self.released = threading.Event()


class LocalRuntimeApi:
    """The Runtime API for one runtime process at a time, handing out one event."""

    def __init__(self, event: bytes = b"{}") -> None:
        self.event = event
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.run = _Run(0)
        self.run.released.set()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def begin(self, count: int, event: bytes) -> _Run:
        """A new run: hand out ``event`` ``count`` times, then hold the next poll."""
        with self.lock:
            self.run.released.set()
            self.event = event
            self.run = _Run(count)
            return self.run

    def close(self) -> None:
        self.closed = True
        self.run.released.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while self._one(connection, reader):
                pass
        except OSError:
            pass
        finally:
            reader.close()
            connection.close()

    def _one(self, connection: socket.socket, reader: Any) -> bool:
        """Serve one request; False when the connection is done."""
        line = reader.readline(65537)
        if not line:
            return False
        method, target, _ = line.split(b" ", 2)
        headers: dict[bytes, bytes] = {}
        while True:
            header = reader.readline(65537)
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.partition(b":")
            headers[name.strip().lower()] = value.strip()
        keep_alive = headers.get(b"connection", b"").lower() != b"close"
        if method == b"GET" and target == _NEXT:
            return self._next(connection) and keep_alive
        body = self._body(reader, headers)
        kind = target.rsplit(b"/", 1)[-1].decode()
        with self.lock:
            run = self.run
            if run.first_result is None:
                run.first_result = time.perf_counter()
            run.results.append((kind, body))
        connection.sendall(
            b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
            b'Content-Length: 16\r\n\r\n{"status":"OK"}\n'
        )
        return keep_alive

    @staticmethod
    def _body(reader: Any, headers: dict[bytes, bytes]) -> bytes:
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while True:
                size = int(reader.readline(1024).split(b";")[0], 16)
                if size == 0:
                    while reader.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # the trailers
                    return b"".join(chunks)
                chunks.append(reader.read(size))
                reader.readline(3)
        length = int(headers.get(b"content-length", b"0"))
        return reader.read(length) if length else b""

    def _next(self, connection: socket.socket) -> bool:
        with self.lock:
            run = self.run
            run.polls.append(time.perf_counter())
            number = run.served
            run.served += 1
            event = self.event
        if number >= run.count:
            run.finished.set()
            run.released.wait(_RUN_TIMEOUT)
            return False  # the runtime is gone by now
        deadline = int(time.time() * 1000) + 300_000
        head = (
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            f"Lambda-Runtime-Aws-Request-Id: 00000000-0000-4000-8000-{number:012d}\r\n"
            f"Lambda-Runtime-Deadline-Ms: {deadline}\r\n"
            f"Lambda-Runtime-Invoked-Function-Arn: {FUNCTION_ARN}\r\n"
            f"Lambda-Runtime-Trace-Id: {_TRACE}\r\n"
            f"Content-Length: {len(event)}\r\n\r\n"
        )
        connection.sendall(head.encode("ascii") + event)
        return True


class Contender:
    """One handler under one runtime client, with one event."""

    def __init__(
        self,
        label: str,
        runtime: str,
        handler: str,
        event: bytes,
        *,
        python: str = sys.executable,
        short: int = 50,
        long: int = 2050,
        check: Callable[[bytes], bool] | None = None,
        cold_starts: int = 0,
    ) -> None:
        self.label = label
        self.runtime = runtime
        self.handler = handler
        self.event = event
        self.python = python
        self.short = short
        self.long = long
        self.check = check
        #: Extra runs of one invocation, for the cold start alone (its samples
        #: vary more than the CPU differences do).
        self.cold_starts = cold_starts
        self.cpu: list[float] = []
        #: The kernel's share of ``cpu`` (system time), per round.
        self.system: list[float] = []
        self.wall: list[float] = []
        self.cold: list[float] = []
        self.rss: list[int] = []

    def command(self) -> list[str]:
        module = {"awslambdaric": "awslambdaric", "hatchway": "hatchway.runtime"}[self.runtime]
        return [self.python, "-m", module, f"benchmarks.lambda_handlers.{self.handler}"]


class Measured:
    """One contender's medians."""

    def __init__(self, contender: Contender) -> None:
        self.contender = contender
        self.cpu = statistics.median(contender.cpu)
        self.system = statistics.median(contender.system)
        self.wall = statistics.median(contender.wall)
        self.cold = statistics.median(contender.cold)
        self.rss = statistics.median(contender.rss)


def _environment(api: LocalRuntimeApi, contender: Contender, version: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    src = ROOT / "src"
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/03/10/[$LATEST]0123456789abcdef",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
            "AWS_REGION": "eu-west-1",
            "LAMBDA_TASK_ROOT": str(ROOT),
            "_HANDLER": f"benchmarks.lambda_handlers.{contender.handler}",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(src)]),
        }
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


_VERSIONS: dict[str, str] = {}


def python_version(python: str) -> str:
    """``3.12``, say, for the interpreter at ``python``."""
    if python not in _VERSIONS:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        )
        _VERSIONS[python] = done.stdout.strip()
    return _VERSIONS[python]


def _peak_rss(pid: int) -> int:
    """The process's peak resident set in bytes (``VmHWM``; rusage would count
    the harness too: Linux keeps ``ru_maxrss`` across the fork and exec)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_once(
    api: LocalRuntimeApi, contender: Contender, count: int
) -> tuple[tuple[float, float], _Run, int]:
    """Start the runtime, let it serve ``count`` invocations, kill it: its CPU
    seconds (user, system), the run's record, and its peak RSS in bytes."""
    run = api.begin(count, contender.event)
    env = _environment(api, contender, python_version(contender.python))
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            contender.command(), env=env, cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        finished = run.finished.wait(_RUN_TIMEOUT)
        peak = _peak_rss(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = -9
        run.released.set()
        if not finished or len(run.results) != count:
            log.seek(0)
            tail = log.read()[-3000:].decode("utf-8", "replace")
            raise RuntimeError(
                f"{contender.label}: {len(run.results)} of {count} results before the time-out:"
                f"\n{tail}"
            )
    bad = [
        (kind, body[:200])
        for kind, body in run.results
        if kind != "response" or (contender.check is not None and not contender.check(body))
    ]
    if bad:
        raise RuntimeError(f"{contender.label}: unexpected result {bad[0]!r}")
    assert run.first_result is not None
    run.first_result -= started
    return (usage.ru_utime, usage.ru_stime), run, peak


def measure(contenders: list[Contender], rounds: int, progress: bool = True) -> list[Measured]:
    """Interleaved rounds: every contender runs short, then long, in turn."""
    api = LocalRuntimeApi()
    try:
        for number in range(rounds):
            for contender in contenders:
                if progress:
                    print(
                        f"  end to end, round {number + 1}/{rounds}: {contender.label}",
                        file=sys.stderr,
                        flush=True,
                    )
                (user_short, sys_short), short, rss = run_once(api, contender, contender.short)
                (user_long, sys_long), long, _ = run_once(api, contender, contender.long)
                extra = contender.long - contender.short
                system = (sys_long - sys_short) / extra
                contender.cpu.append((user_long - user_short) / extra + system)
                contender.system.append(system)
                polls = long.polls
                contender.wall.append((polls[contender.long] - polls[contender.short]) / extra)
                assert short.first_result is not None
                contender.cold.append(short.first_result)
                contender.rss.append(rss)
        for number in range(max((c.cold_starts for c in contenders), default=0)):
            for contender in contenders:
                if number < contender.cold_starts:
                    _, run, _ = run_once(api, contender, 1)
                    assert run.first_result is not None
                    contender.cold.append(run.first_result)
    finally:
        api.close()
    return [Measured(contender) for contender in contenders]


# The cases, the targets and the tables.

RIC = "awslambdaric"
LOOP = "hatchway"
#: Adapter pairs under awslambdaric: (row label, hatchway's handler, the peer's handler, peer).
PAIRS = [
    ("minimal ASGI", "hatchway_asgi", "mangum_asgi", "Mangum(lifespan=off)"),
    ("minimal WSGI", "hatchway_wsgi", "apig_wsgi_wsgi", "apig-wsgi"),
    ("FastAPI", "hatchway_fastapi", "mangum_fastapi", "Mangum(lifespan=off)"),
    ("Flask", "hatchway_flask", "apig_wsgi_flask", "apig-wsgi"),
]
#: The pairs also run with hatchway's diagnostics off (no doctor, no deadline
#: guard), to show what they cost: pair label -> that handler.
LEAN = {"minimal ASGI": "hatchway_asgi_lean", "minimal WSGI": "hatchway_wsgi_lean"}
#: How the lean rows name the Adapter.
LEAN_LABEL = "hatchway(doctor=False, timeout_margin=None)"
#: Large text responses: (row label, hatchway's handler, Mangum's, invocations short/long).
TEXTS = [
    ("1 MB text, ASGI", "hatchway_text_1mb", "mangum_text_1mb", (5, 105)),
    ("4 MB text, ASGI", "hatchway_text_4mb", "mangum_text_4mb", (3, 33)),
]


def _status_200(body: bytes) -> bool:
    return body.startswith(b'{"statusCode": 200')


def _streamed_200(body: bytes) -> bool:
    return body.startswith(b'{"statusCode":200')


def _function_url(event: dict[str, Any]) -> dict[str, Any]:
    """The HTTP API event as a Function URL sends it (same payload format)."""
    import copy

    url = copy.deepcopy(event)
    domain = "abcdefgh12345678.lambda-url.eu-west-1.on.aws"
    url["requestContext"].update(domainName=domain, domainPrefix="abcdefgh12345678")
    url["headers"]["host"] = domain
    return url


class Plan:
    """Every contender of the end-to-end run, by what the tables need."""

    def __init__(self, pythons: list[str], quick: bool) -> None:
        import json

        from .events import HTTP_API_V2

        event = json.dumps(HTTP_API_V2).encode()
        url_event = json.dumps(_function_url(HTTP_API_V2)).encode()
        scale = 2 if quick else 1
        short, long = 50 // scale, 2050 // scale

        def contender(label: str, runtime: str, handler: str, python: str, **kw: Any) -> Contender:
            kw.setdefault("short", short)
            kw.setdefault("long", long)
            kw.setdefault("check", _status_200)
            return Contender(label, runtime, handler, event, python=python, **kw)

        main = pythons[0]
        colds = 3 if quick else 12
        self.floor = contender("raw handler", RIC, "raw", main, cold_starts=colds)
        self.pairs = [
            (label, contender(ours, RIC, ours, main), contender(theirs, RIC, theirs, main), peer)
            for label, ours, theirs, peer in PAIRS
        ]
        #: Pair label -> hatchway with its diagnostics off, on the same case.
        self.lean = {label: contender(name, RIC, name, main) for label, name in LEAN.items()}
        self.texts = [
            (
                label,
                contender(ours, RIC, ours, main, short=n[0], long=n[1] // scale or n[0] + 2),
                contender(theirs, RIC, theirs, main, short=n[0], long=n[1] // scale or n[0] + 2),
            )
            for label, ours, theirs, n in TEXTS
        ]
        #: Per Python: awslambdaric and hatchway's loop, raw handler and Adapter,
        #: buffered; hatchway's loop streaming a Function URL response.
        self.loops: dict[str, dict[str, Contender]] = {}
        for python in pythons:
            version = python_version(python)
            reuse = python == main
            self.loops[version] = {
                "ric raw": self.floor
                if reuse
                else contender("raw", RIC, "raw", python, cold_starts=colds),
                "loop raw": contender("raw", LOOP, "raw", python, cold_starts=colds),
                "ric adapter": (
                    self.pairs[0][1] if reuse else contender("asgi", RIC, "hatchway_asgi", python)
                ),
                "loop adapter": contender("asgi", LOOP, "hatchway_asgi", python),
                "loop streamed": Contender(
                    "streamed",
                    LOOP,
                    "hatchway_streaming",
                    url_event,
                    python=python,
                    short=short,
                    long=long,
                    check=_streamed_200,
                ),
            }

    def contenders(self) -> list[Contender]:
        """In the order of a round: the two sides of each comparison next to
        each other, so that they run under the same conditions."""
        every: list[Contender] = []
        for loops in self.loops.values():
            every += [loops["ric raw"], loops["loop raw"], loops["ric adapter"]]
            every += [loops["loop adapter"], loops["loop streamed"]]
        for label, ours, theirs, _ in self.pairs:
            if ours in every:
                # The Adapter row of the runtime-loop comparison: the peer goes
                # just before it, so both comparisons are neighbours.
                every.insert(every.index(ours), theirs)
            else:
                every += [ours, theirs]
            if label in self.lean:  # next to the peer too
                every.insert(every.index(theirs) + 1, self.lean[label])
        for _, ours, theirs in self.texts:
            every += [ours, theirs]
        return every


def paired_ratio(ours: Contender, theirs: Contender) -> float:
    """The median over rounds of ours ÷ theirs within a round: the machine's
    speed drifts between rounds far more than between two neighbouring runs."""
    return statistics.median(a / b for a, b in zip(ours.cpu, theirs.cpu, strict=True))


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def render(plan: Plan, rounds: int) -> list[str]:
    """The end-to-end section of RESULTS.md."""
    get = Measured
    lines = [
        "## End to end",
        "",
        "Each handler runs in a real runtime process polling a local Runtime API"
        " (`benchmarks/endtoend.py`: a threaded HTTP/1.1 server on 127.0.0.1 with"
        " `TCP_NODELAY`, the HTTP API v2 event of the in-process table). CPU per"
        " invocation: the runtime process's user + system time of a long run minus a"
        " short run's, divided by the extra invocations; median of"
        f" {rounds} interleaved rounds; a ratio is the median of the rounds' ratios (the"
        " two sides run next to each other in each round). Of which kernel: the"
        " system-time part, mostly the two round trips to the Runtime API every"
        " runtime makes per invocation (sockets, sleeping and waking); it moves with"
        " the machine's load far more than user time does. Wall: per invocation in the"
        " long run's steady state. Cold start: process spawn to the first result"
        " posted, median of the"
        f" short runs (and, for the raw handler's runtimes, {plan.floor.cold_starts} more"
        " runs of one invocation, interleaved); peak RSS of that process.",
        "",
        f"### Adapters under awslambdaric (Python {python_version(plan.floor.python)})",
        "",
        "| case | adapter | CPU µs / invocation | hatchway ÷ peer | wall µs | cold start ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    floor = get(plan.floor)
    lines.append(
        f"| raw handler (floor) | none | {_us(floor.cpu)} | | {_us(floor.wall)} |"
        f" {floor.cold * 1e3:.0f} |"
    )
    rows = [(label, ours, theirs, peer) for label, ours, theirs, peer in plan.pairs]
    rows += [(label, ours, theirs, "Mangum(lifespan=off)") for label, ours, theirs in plan.texts]
    for label, ours, theirs, peer in rows:
        a, b = get(ours), get(theirs)
        lines.append(
            f"| {label} | hatchway | {_us(a.cpu)} | {paired_ratio(ours, theirs):.2f} |"
            f" {_us(a.wall)} |"
            f" {a.cold * 1e3:.0f} |"
        )
        lines.append(f"| {label} | {peer} | {_us(b.cpu)} | | {_us(b.wall)} | {b.cold * 1e3:.0f} |")
        lean = plan.lean.get(label)
        if lean is not None:
            c = get(lean)
            lines.append(
                f"| {label} | {LEAN_LABEL} | {_us(c.cpu)} | {paired_ratio(lean, theirs):.2f} |"
                f" {_us(c.wall)} | {c.cold * 1e3:.0f} |"
            )
    for version, loops in plan.loops.items():
        m = {key: get(c) for key, c in loops.items()}
        lines += [
            "",
            f"### hatchway's runtime loop vs awslambdaric (Python {version})",
            "",
            "| handler | runtime | CPU µs / invocation | of which kernel µs |"
            " loop ÷ awslambdaric | wall µs | cold start ms | peak RSS MiB |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for handler, ric, loop in (
            ("raw handler", "ric raw", "loop raw"),
            ("Adapter(minimal ASGI)", "ric adapter", "loop adapter"),
        ):
            r, o = m[ric], m[loop]
            lines.append(
                f"| {handler} | awslambdaric | {_us(r.cpu)} | {_us(r.system)} | |"
                f" {_us(r.wall)} | {r.cold * 1e3:.0f} | {r.rss / 2**20:.1f} |"
            )
            lines.append(
                f"| {handler} | hatchway loop | {_us(o.cpu)} | {_us(o.system)} |"
                f" {paired_ratio(loops[loop], loops[ric]):.2f} |"
                f" {_us(o.wall)} | {o.cold * 1e3:.0f} | {o.rss / 2**20:.1f} |"
            )
        s = m["loop streamed"]
        lines.append(
            f"| Adapter(minimal ASGI, streaming=True), Function URL, streamed | hatchway loop |"
            f" {_us(s.cpu)} | {_us(s.system)} | | {_us(s.wall)} | {s.cold * 1e3:.0f} |"
            f" {s.rss / 2**20:.1f} |"
        )
    return lines


def targets(plan: Plan) -> list[tuple[str, float, list[float], bool]]:
    """(what, limit, measured ratios, met) for every end-to-end target."""
    goals = []
    for label, ours, theirs, peer in plan.pairs:
        ratio = paired_ratio(ours, theirs)
        goals.append((f"end to end, {label} <= 1.0 x {peer}", 1.0, [ratio], ratio <= 1.0))
    for version, loops in plan.loops.items():
        m = {key: Measured(c) for key, c in loops.items()}
        for what, ric, loop, limit in (
            ("raw handler", "ric raw", "loop raw", 0.5),
            ("Adapter(minimal ASGI)", "ric adapter", "loop adapter", 0.6),
        ):
            ratio = paired_ratio(loops[loop], loops[ric])
            goals.append(
                (
                    f"runtime loop CPU, {what}, Python {version} <= {limit} x awslambdaric",
                    limit,
                    [ratio],
                    ratio <= limit,
                )
            )
        ratio = m["loop raw"].cold / m["ric raw"].cold
        goals.append(
            (
                f"runtime loop cold start, raw handler, Python {version} <= awslambdaric's",
                1.0,
                [ratio],
                ratio <= 1.0,
            )
        )
    return goals
