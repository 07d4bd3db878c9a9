"""Handlers run under awslambdaric and under hatchway's runtime loop alike: each
event names what to do, so both runtimes get the same handler and events."""

from __future__ import annotations

import decimal
import logging
import os
from typing import Any

logger = logging.getLogger("parity")
CLIENT_FIELDS = (
    "installation_id",
    "app_title",
    "app_version_name",
    "app_version_code",
    "app_package_name",
)


class Odd(Exception):
    pass


# A class name no `class` statement can give: a CR/LF header smuggling attempt.
Injected = type("Bad\r\nX-Injected: yes", (Exception,), {})


def handler(event: Any, context: Any) -> Any:
    action = event.get("action") if isinstance(event, dict) else "not-a-dict"
    if action == "values":
        return {
            "text": 'naïve ☃ \U0001f600 "quoted" \\ \n',
            "numbers": [1, -2.5, 10**20, 1e300, True, False, None],
            "nested": {"a": [{"b": []}], "empty": {}},
            "tuple": (1, 2),
            "float_keys": {1: "one", 2.5: "two and a half", None: "none", False: "no"},
        }
    if action == "decimals":
        return {
            "price": decimal.Decimal("1.10"),
            "big": decimal.Decimal("12345678901234567890.000001"),
            "negative_zero": decimal.Decimal("-0"),
            "nan": decimal.Decimal("NaN"),
            "list": [decimal.Decimal("2"), "x", b"bytes \xc3\xa9"],
            "tuple": (decimal.Decimal("1.5"), 2),
        }
    if action == "nan":
        return [float("nan"), float("inf"), float("-inf")]
    if action == "bytes":
        return b"raw \xff bytes"
    if action == "string":
        return "just a string"
    if action == "none":
        return None
    if action == "unserialisable":
        return {"value": object()}
    if action == "raise":
        raise ValueError("a bad value on purpose")
    if action == "raise-custom":
        raise Odd("line one\nline two")
    if action == "raise-injected":
        raise Injected("smuggled")
    if action == "context":
        return {
            "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_positive": context.get_remaining_time_in_millis() > 0,
            "client_context": None
            if context.client_context is None
            else {
                "client": None
                if context.client_context.client is None
                else {name: getattr(context.client_context.client, name) for name in CLIENT_FIELDS},
                "custom": context.client_context.custom,
                "env": context.client_context.env,
            },
            "identity": {
                "id": context.identity.cognito_identity_id,
                "pool": context.identity.cognito_identity_pool_id,
            },
            "tenant_id": getattr(context, "tenant_id", None),
            "w3c": context.w3c(),
            "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        }
    if action == "log":
        logger.warning("a message from %s", "the handler")
        logger.debug("a debug message")
        return {"logged": True}
    if action == "log-forged":
        # What an app's access log writes for GET /a%0A[ERROR]...: a decoded path.
        logger.warning("GET /a\n[ERROR]\t2024-01-01T00:00:00.000Z\tforged\tadmin logged in")
        return {"logged": True}
    return {"echo": event}
