"""``AWS_LAMBDA_MAX_CONCURRENCY``: that many forked workers, each a whole runtime loop.

As awslambdaric does on Lambda Managed Instances, the parent forks before
anything is imported; each worker loads the handler (its own lifespan, its
own event loop) and polls ``next`` on its own. When one worker ends, the
parent ends the others and exits with its status, so Lambda replaces the
whole environment; SIGTERM to the parent reaches every worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

__all__ = ["run_workers"]


def run_workers(count: int, work: Callable[[], None]) -> int:
    """Fork ``count`` processes running ``work``; the exit status of the first to end."""
    children: list[int] = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                work()
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                import traceback

                traceback.print_exc()
                status = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)
        children.append(pid)

    def forward(signum: int, frame: FrameType | None) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    signal.signal(signal.SIGTERM, forward)
    _, wait_status = os.wait()
    forward(signal.SIGTERM, None)
    for _ in range(len(children) - 1):
        with contextlib.suppress(ChildProcessError):
            os.wait()
    return os.waitstatus_to_exitcode(wait_status)
