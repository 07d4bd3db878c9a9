"""A plain Lambda handler for the runtime-loop tests: each event names what to do."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

logger = logging.getLogger("handler_target")


def handler(event: Any, context: Any) -> Any:
    action = event.get("action") if isinstance(event, dict) else "raw"
    if isinstance(event, dict) and "busy" in event:
        time.sleep(event["busy"])  # keeps this worker busy, so the others take events
    if action == "context":
        logger.info("looking at the context")
        return {
            "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "function_name": context.function_name,
            "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "trace": os.environ.get("_X_AMZN_TRACE_ID"),
            "client_context": context.client_context,
            "pid": os.getpid(),
        }
    if action == "raise":
        raise ValueError("a bad value on purpose")
    if action == "unserialisable":
        return {"value": object()}
    if action == "bytes":
        return b"raw \xff bytes"
    if action == "raw":
        return {"raw_type": type(event).__name__}
    return {"echo": event}
