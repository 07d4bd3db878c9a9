"""The Lambda lifecycle: startup and warm-up in INIT, SnapStart's snapshot and restore.

Lambda imports the handler module in its INIT phase (up to 10 s, apart from the
function's time-out; ahead of any request under provisioned concurrency, and
once per published version before the snapshot under SnapStart). With
``handler = Adapter(app)`` at module level, the Adapter is built then:

- ``startup="init"`` (the default inside Lambda) runs the ASGI lifespan
  startup there, so no request pays for it; a failure raises, and Lambda
  reports an init error and runs INIT again.
- ``warmup=[...]`` requests then go through the runner the way real requests
  do, so frameworks build their routes, validators and serialisers before the
  first real request. They carry :data:`~hatchway.http.WARMUP_KEY` in the
  scope or environ; a failed one is logged as a warning and INIT goes on.
- Under SnapStart (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``) hooks are
  registered with ``snapshot_restore_py``: before the snapshot the lifespan
  shuts down (nothing open is frozen into it); after each restore ``random``
  is reseeded and the lifespan starts again. The runtime client runs the
  hooks and reports their failures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from .http import Request, Response
from .log import LazyLogger

__all__ = [
    "STARTUPS",
    "WARMUP_ROUNDS",
    "Startup",
    "Warmup",
    "WarmupContext",
    "WarmupRequest",
    "in_lambda",
    "parse_warmups",
    "register_snapstart_hooks",
    "resolve_startup",
    "run_warmups",
    "snap_start",
]

logger = LazyLogger("hatchway.lifecycle")

Startup = Literal["auto", "init", "first-request"]
STARTUPS = ("auto", "init", "first-request")

#: Seconds all the warm-ups of one Adapter may take: INIT has 10 s in all,
#: and the import and the lifespan startup need some of it.
WARMUP_BUDGET = 5.0
#: How many times each warm-up runs: the interpreter specialises code once
#: it has run (3.11+). FastAPI with a pydantic body, the first real request
#: against a steady one (benchmarks/firstrequest.py): 3.1 x after one run,
#: 2.2-2.5 x after two, 1.9-2.2 x after three.
WARMUP_ROUNDS = 3

_WARMUP_FIELDS = frozenset({"method", "path", "headers", "body"})
#: The characters of an HTTP token (a method, a header name).
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


def in_lambda(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this process runs in a Lambda execution environment (or an
    emulation of one): the variables Lambda's runtimes are started with."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME")) and bool(
        environ.get("AWS_LAMBDA_RUNTIME_API") or environ.get("LAMBDA_TASK_ROOT")
    )


def snap_start(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this INIT ends in a SnapStart snapshot."""
    return environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def resolve_startup(option: object, environ: Mapping[str, str] = os.environ) -> str:
    """``"init"`` or ``"first-request"`` for the ``startup=`` option."""
    if option not in STARTUPS:
        raise ValueError(f"startup must be one of {', '.join(map(repr, STARTUPS))}, not {option!r}")
    if option == "auto":
        return "init" if in_lambda(environ) else "first-request"
    return str(option)


class WarmupRequest(Request):
    """A warm-up's request: the runners mark its scope and environ with
    :data:`~hatchway.http.WARMUP_KEY`, which no client can set."""

    __slots__ = ()
    warmup = True

    @classmethod
    def of(cls, request: Request) -> WarmupRequest:
        """``request`` as parsed by its source, marked as a warm-up."""
        return cls(
            request.method,
            request.path,
            request.raw_path,
            request.root_path,
            request.query_string,
            request.headers,
            request.body,
            request.client,
            request.server,
            request.scheme,
        )


class WarmupContext:
    """The Lambda context a warm-up runs with: no invocation, so a request id
    of its own and the time left of the warm-up budget."""

    def __init__(self, number: int, give_up: float) -> None:
        self.aws_request_id = f"warmup-{number}"
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self._give_up = give_up

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._give_up - time.monotonic()) * 1000))


class Warmup:
    """One checked item of ``warmup=[...]``."""

    __slots__ = ("body", "headers", "method", "path", "query")

    def __init__(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def event(self, number: int) -> dict[str, Any]:
        """The warm-up as an HTTP API (payload 2.0) event on a custom domain,
        so it goes through the same parsing and rendering as real requests
        (the API's base path, if any, is put before the path as AWS would)."""
        headers: dict[str, str] = {}
        for name, value in self.headers:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        host = headers.setdefault("host", "localhost")
        try:
            body: str | None = self.body.decode("utf-8") if self.body else None
            encoded = False
        except UnicodeDecodeError:
            import base64

            body, encoded = base64.b64encode(self.body).decode("ascii"), True
        return {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": self.path,
            "rawQueryString": self.query,
            "headers": headers,
            "requestContext": {
                "domainName": host,
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": f"warmup-{number}",
                "routeKey": "$default",
                "stage": "$default",
            },
            "body": body,
            "isBase64Encoded": encoded,
        }

    def __repr__(self) -> str:
        return f"<Warmup {self.method} {self.path}>"


def parse_warmups(option: object) -> tuple[Warmup, ...]:
    """The ``warmup=`` option, checked when the Adapter is built.

    Each item is a path (``"/health"``, ``"/items?limit=1"``: a GET) or a
    mapping with ``path`` and optionally ``method``, ``headers`` (a mapping or
    (name, value) pairs) and ``body`` (bytes, text, or a dict or list sent as
    JSON). The path is the app's, below any ``base_path``.
    """
    if option is None:
        return ()
    if isinstance(option, (str, bytes, Mapping)):
        raise TypeError(f"warmup takes a list of paths or mappings, not one: [{option!r}]")
    try:
        items = list(option)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"warmup takes a list of paths or mappings, not {type(option).__name__}"
        ) from None
    return tuple(_warmup(item) for item in items)


def _warmup(item: object) -> Warmup:
    if isinstance(item, str):
        fields: Mapping[str, Any] = {"path": item}
    elif isinstance(item, Mapping):
        fields = item
        unknown = set(fields) - _WARMUP_FIELDS
        if unknown:
            raise ValueError(
                f"warmup {dict(item)!r}: unknown keys {sorted(map(str, unknown))}; "
                "use method, path, headers, body"
            )
    else:
        raise TypeError(f"a warmup is a path or a mapping, not {type(item).__name__}")
    target = fields.get("path")
    if not isinstance(target, str) or not target.startswith("/") or not target.isprintable():
        raise ValueError(f"a warmup path must be a path like '/health', not {target!r}")
    if "#" in target or " " in target:
        raise ValueError(f"a warmup path must be a plain path like '/health', not {target!r}")
    method = fields.get("method", "GET")
    if not isinstance(method, str) or not method or not set(method) <= _TOKEN_CHARS:
        raise ValueError(f"warmup {target!r}: method must be a method like 'POST', not {method!r}")
    headers = _headers(target, fields.get("headers", ()))
    body = fields.get("body", b"")
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif isinstance(body, (dict, list)):
        import json

        body = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if not any(name == "content-type" for name, _ in headers):
            headers.append(("content-type", "application/json"))
    elif not isinstance(body, bytes):
        raise TypeError(
            f"warmup {target!r}: body must be bytes, text or a dict or list (sent as JSON), "
            f"not {type(body).__name__}"
        )
    path, _, query = target.partition("?")
    return Warmup(method.upper(), path, query, headers, body)


def _headers(target: str, value: object) -> list[tuple[str, str]]:
    pairs = list(value.items()) if isinstance(value, Mapping) else value
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Iterable):
        raise TypeError(f"warmup {target!r}: headers must be a mapping or (name, value) pairs")
    headers = []
    for pair in pairs:
        if not (
            isinstance(pair, (tuple, list))
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
        ):
            raise TypeError(f"warmup {target!r}: a header is a (name, value) pair of text")
        name, text = pair
        if not name or not set(name) <= _TOKEN_CHARS or not text.isprintable():
            raise ValueError(f"warmup {target!r}: invalid header {name!r}: {text!r}")
        headers.append((name.lower(), text))
    return headers


def run_warmups(
    warmups: tuple[Warmup, ...], run: Callable[[Warmup, dict[str, Any], Any], Response]
) -> None:
    """Run each warm-up :data:`WARMUP_ROUNDS` times through ``run(warmup,
    event, context)``; a failure or a status >= 500 is a warning, never an
    error: the function can serve without being warm."""
    if not warmups:
        return
    give_up = time.monotonic() + WARMUP_BUDGET
    number = 0
    for warmup in warmups:
        what = f"{warmup.method} {warmup.path}"
        for _ in range(WARMUP_ROUNDS):
            if time.monotonic() >= give_up:
                logger.warning(
                    "warm-up %s skipped: the warm-ups took over %.0f s", what, WARMUP_BUDGET
                )
                break
            number += 1
            started = time.perf_counter()
            try:
                response = run(warmup, warmup.event(number), WarmupContext(number, give_up))
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                logger.warning("warm-up %s failed: %r", what, exc, exc_info=exc)
                break
            if response.status >= 500:
                logger.warning("warm-up %s answered %d", what, response.status)
                break
            logger.debug(
                "warm-up %s answered %d in %.1f ms",
                what,
                response.status,
                (time.perf_counter() - started) * 1000,
            )


def reseed_random() -> None:
    """New seeds for this environment: every environment restored from one
    snapshot would otherwise draw the same ``random`` sequence."""
    import random

    random.seed(os.urandom(32))


def register_snapstart_hooks(
    stop: Callable[[], None] | None, start: Callable[[], None] | None
) -> bool:
    """Register the SnapStart hooks with ``snapshot_restore_py``: ``stop``
    before the snapshot; after each restore a reseed of ``random``, then
    ``start``. False (and a warning) when the package is missing."""
    try:
        import snapshot_restore_py  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        logger.warning(
            "AWS_LAMBDA_INITIALIZATION_TYPE is snap-start but snapshot_restore_py cannot "
            "be imported: no snapshot or restore hooks (it ships in Lambda's Python runtimes)"
        )
        return False
    if stop is not None:
        snapshot_restore_py.register_before_snapshot(_before_snapshot, stop)
    snapshot_restore_py.register_after_restore(_after_restore, start)
    return True


def _before_snapshot(stop: Callable[[], None]) -> None:
    logger.info("before the snapshot: lifespan shutdown")
    stop()


def _after_restore(start: Callable[[], None] | None) -> None:
    reseed_random()
    if start is not None:
        logger.info("after restore: lifespan startup")
        start()
