"""A plain Lambda handler (no Adapter) for the local-gateway tests."""

from __future__ import annotations

import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> Any:
    path = event.get("rawPath") or event.get("path") or "/"
    if path == "/malformed":
        return {"statusCode": "two hundred", "body": "not a status"}
    if path == "/crash":
        raise RuntimeError("the handler crashed on purpose")
    if path == "/exit":
        os._exit(3)
    if path == "/slow":
        import time

        time.sleep(5)
    if path == "/huge":
        return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}
    return {
        "statusCode": 200,
        "headers": {"content-type": "text/plain"},
        "body": f"handled {path} as {context.function_name}",
    }
