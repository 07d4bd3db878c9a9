"""A handler that logs an exception, prints, and fails on /raise: what the
local console shows of a function's own output."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("app")


def handler(event: dict[str, Any], context: Any) -> Any:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("it failed")
    print("printed after the record")
    if event.get("rawPath") == "/raise":
        raise RuntimeError("raised on purpose")
    return {"statusCode": 200, "body": "ok"}
