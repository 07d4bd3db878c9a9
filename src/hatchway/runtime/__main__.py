"""``python -m hatchway.runtime [TARGET]``: run hatchway's Lambda runtime loop.

TARGET is the handler in Lambda's form (``module.function``, as in
``_HANDLER``, which is the default) or ``module:attr``. The Runtime API's
address comes from ``AWS_LAMBDA_RUNTIME_API``, as Lambda sets it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .loop import run
from .workers import run_workers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hatchway.runtime",
        description="Serve a Lambda handler through the Runtime API, streaming where asked.",
    )
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        default=os.environ.get("_HANDLER"),
        help="the handler: module.function (default: $_HANDLER) or module:attr",
    )
    args = parser.parse_args(argv)
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not args.target:
        parser.error("no TARGET given and _HANDLER is not set")
    if not address:
        parser.error(
            "AWS_LAMBDA_RUNTIME_API is not set: run this inside Lambda or `hatchway serve`"
        )
    target: str = args.target
    concurrency = (os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY") or "").strip()
    if concurrency.isdigit() and int(concurrency) > 0:
        return run_workers(int(concurrency), lambda: run(target, address))
    run(target, address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
