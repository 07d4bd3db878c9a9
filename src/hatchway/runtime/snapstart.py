"""Lambda SnapStart, as the Python managed runtime runs it.

When ``AWS_LAMBDA_INITIALIZATION_TYPE`` is ``snap-start``, once the handler
is loaded: the before-snapshot hooks run (last registered first), the
runtime asks ``GET /2018-06-01/runtime/restore/next`` (Lambda takes the
snapshot there, and the call returns in a restored environment), then the
after-restore hooks run in order. Hooks are registered with AWS's
``snapshot_restore_py`` (``register_before_snapshot`` and
``register_after_restore``); a function that never imported it has none.
A failing before-snapshot hook is an init error (``Runtime.BeforeSnapshotError``,
exit 64), a failing after-restore hook a restore error
(``Runtime.AfterRestoreError``, exit 65), as under awslambdaric.

Locally a fork is a faithful snapshot: ``hatchway serve --snapstart
--max-concurrency N`` forks N restored copies of one initialised process, so
state duplicated by a snapshot (the same ``random`` sequence, a socket every
copy shares) shows up on a laptop.
"""

from __future__ import annotations

import os
import sys

from .._typing import TYPE_CHECKING
from .faults import Marshaller, error_document
from .logs import LogSink, log_error

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .api import RuntimeApi

__all__ = [
    "AFTER_RESTORE_ERROR",
    "BEFORE_SNAPSHOT_ERROR",
    "COPIES_VARIABLE",
    "is_snap_start",
    "snap_start",
    "snapshot_copies",
]

BEFORE_SNAPSHOT_ERROR = "Runtime.BeforeSnapshotError"
AFTER_RESTORE_ERROR = "Runtime.AfterRestoreError"
#: Set only by ``hatchway serve --snapstart --max-concurrency N``: the number
#: of restored copies forked from the initialised process.
COPIES_VARIABLE = "HATCHWAY_SNAPSHOT_COPIES"


def is_snap_start() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def snapshot_copies() -> int:
    """How many copies of the snapshot to fork locally (:data:`COPIES_VARIABLE`); 0: none."""
    value = (os.environ.get(COPIES_VARIABLE) or "").strip()
    return int(value) if value.isdigit() else 0


def snap_start(api: RuntimeApi, sink: LogSink, serve: Callable[[], None] | None = None) -> None:
    """Run the hooks around the snapshot; exit 64 or 65 when one fails.

    With :data:`COPIES_VARIABLE` set (``hatchway serve --snapstart
    --max-concurrency N``, never on Lambda) the snapshot is a fork: N copies
    of this initialised process each restore and ``serve``, and this process
    exits with the status of the first copy to end.
    """
    hooks = sys.modules.get("snapshot_restore_py")
    try:
        if hooks is not None:
            before = hooks.get_before_snapshot()
            while before:  # the last registered runs first
                function, args, kwargs = before.pop()
                function(*args, **kwargs)
    except Exception as exc:
        body = _report(exc, sink)
        api.post_init_error(BEFORE_SNAPSHOT_ERROR, body)
        sys.exit(64)
    copies = snapshot_copies()
    if copies and serve is not None:
        # Nothing has talked to the Runtime API since INIT began, so no
        # connection is shared: each copy opens its own.
        from .workers import run_workers

        # Python reseeds `random` in a forked child; a restored snapshot
        # resumes with the state it was taken with. Put that state back, so
        # the copies share it until an after-restore hook reseeds it.
        shared_random = sys.modules.get("random")
        state = shared_random.getstate() if shared_random is not None else None

        def restore_and_serve() -> None:
            if shared_random is not None:
                shared_random.setstate(state)
            _restore(api, sink, hooks)
            serve()

        sys.exit(run_workers(copies, restore_and_serve))
    _restore(api, sink, hooks)


def _restore(api: RuntimeApi, sink: LogSink, hooks: Any) -> None:
    """``restore/next``, then the after-restore hooks."""
    try:
        api.restore_next()
    except Exception as exc:
        body = _report(exc, sink)
        api.post_init_error(BEFORE_SNAPSHOT_ERROR, body)
        sys.exit(64)
    try:
        if hooks is not None:
            for function, args, kwargs in hooks.get_after_restore():
                function(*args, **kwargs)
    except Exception as exc:
        body = _report(exc, sink)
        api.post_restore_error(AFTER_RESTORE_ERROR, body)
        sys.exit(65)


def _report(exc: Exception, sink: LogSink) -> bytes:
    document = error_document(exc)
    log_error(sink, document)
    return Marshaller().encode(document).encode("utf-8")
