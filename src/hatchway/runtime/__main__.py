"""``python -m hatchway.runtime [TARGET]``: run hatchway's Lambda runtime loop.

TARGET is the handler in Lambda's form (``module.function``, as in
``_HANDLER``, which is the default) or ``module:attr``. The Runtime API's
address comes from ``AWS_LAMBDA_RUNTIME_API``, as Lambda sets it.
"""

from __future__ import annotations

import os
import sys

from .._typing import TYPE_CHECKING
from .loop import run

if TYPE_CHECKING:
    from collections.abc import Sequence

USAGE = """\
usage: python -m hatchway.runtime [TARGET]

Serve a Lambda handler through the Runtime API, streaming where asked.

TARGET  the handler: module.function (default: $_HANDLER) or module:attr
"""


def main(argv: Sequence[str] | None = None) -> int:
    # No argparse: one optional argument, and every millisecond of start-up is a
    # cold start's.
    arguments = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in arguments):
        sys.stdout.write(USAGE)
        return 0
    if len(arguments) > 1 or any(a.startswith("-") for a in arguments):
        sys.stderr.write(USAGE + f"error: unexpected arguments: {' '.join(arguments)}\n")
        return 2
    target = arguments[0] if arguments else os.environ.get("_HANDLER")
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not target:
        sys.stderr.write(USAGE + "error: no TARGET given and _HANDLER is not set\n")
        return 2
    if not address:
        sys.stderr.write(
            USAGE + "error: AWS_LAMBDA_RUNTIME_API is not set:"
            " run this inside Lambda or `hatchway serve`\n"
        )
        return 2
    concurrency = (os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY") or "").strip()
    if concurrency.isdigit() and int(concurrency) > 0:
        from .workers import run_workers

        return run_workers(int(concurrency), lambda: run(target, address))
    run(target, address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
