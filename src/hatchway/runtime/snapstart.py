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
"""

from __future__ import annotations

import os
import sys

from .._typing import TYPE_CHECKING
from .faults import Marshaller, error_document
from .logs import LogSink, log_error

if TYPE_CHECKING:
    from .api import RuntimeApi

__all__ = ["AFTER_RESTORE_ERROR", "BEFORE_SNAPSHOT_ERROR", "is_snap_start", "snap_start"]

BEFORE_SNAPSHOT_ERROR = "Runtime.BeforeSnapshotError"
AFTER_RESTORE_ERROR = "Runtime.AfterRestoreError"


def is_snap_start() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def snap_start(api: RuntimeApi, sink: LogSink) -> None:
    """Run the hooks around the snapshot; exit 64 or 65 when one fails."""
    hooks = sys.modules.get("snapshot_restore_py")
    try:
        if hooks is not None:
            before = hooks.get_before_snapshot()
            while before:  # the last registered runs first
                function, args, kwargs = before.pop()
                function(*args, **kwargs)
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
