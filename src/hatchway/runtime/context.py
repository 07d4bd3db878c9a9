"""The context object handed to the handler, as the Python managed runtime builds it.

Per invocation: the request id, the invoked ARN and the deadline from the
``next`` headers, the client context and Cognito identity (JSON headers)
parsed; per function: name, version, memory size and log names from the
environment (read once).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from .._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

from .api import NextInvocation

__all__ = ["Client", "ClientContext", "CognitoIdentity", "RuntimeContext"]


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, document: Any = None) -> None:
        document = document if isinstance(document, dict) else {}
        self.cognito_identity_id = document.get("cognitoIdentityId")
        self.cognito_identity_pool_id = document.get("cognitoIdentityPoolId")


class Client:
    """``context.client_context.client``: the mobile SDK's client fields."""

    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, document: dict[str, Any]) -> None:
        self.installation_id = document.get("installation_id")
        self.app_title = document.get("app_title")
        self.app_version_name = document.get("app_version_name")
        self.app_version_code = document.get("app_version_code")
        self.app_package_name = document.get("app_package_name")


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, document: dict[str, Any]) -> None:
        client = document.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = document.get("custom")
        self.env = document.get("env")


#: The W3C trace-context fields ``context.w3c()`` gives, as awslambdaric does.
_W3C_FIELDS = ("traceparent", "tracestate", "baggage")


def _w3c_fields(client: Any) -> dict[str, str]:
    """Take ``w3c`` out of the client context (it is not the app's to see
    there) and keep its allow-listed string fields."""
    if not isinstance(client, dict) or "w3c" not in client:
        return {}
    found = client.pop("w3c")
    if not isinstance(found, dict):
        return {}
    return {key: found[key] for key in _W3C_FIELDS if isinstance(found.get(key), str)}


class _Function:
    """What the environment says about the function: read once per process."""

    def __init__(self) -> None:
        environ = os.environ
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")


class RuntimeContext:
    """The ``context`` argument: the managed runtime's attributes and methods."""

    __slots__ = (
        "aws_request_id",
        "client_context",
        "deadline_ms",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "tenant_id",
        "w3c_fields",
    )

    def __init__(self, invocation: NextInvocation, function: _Function) -> None:
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.function_arn
        self.tenant_id = invocation.tenant_id
        #: When the invocation times out, in milliseconds since the epoch.
        self.deadline_ms = invocation.deadline_ms
        self.function_name = function.function_name
        self.function_version = function.function_version
        self.memory_limit_in_mb = function.memory_limit_in_mb
        self.log_group_name = function.log_group_name
        self.log_stream_name = function.log_stream_name
        # Most invocations come without these headers: nothing to parse then.
        if invocation.client_context:
            client = _json_header(invocation.client_context, "Client Context")
            self.w3c_fields = _w3c_fields(client)
            self.client_context = ClientContext(client) if isinstance(client, dict) else None
        else:
            self.w3c_fields = {}
            self.client_context = None
        identity = invocation.cognito_identity
        self.identity = CognitoIdentity(_json_header(identity, "Identity") if identity else None)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out (never negative)."""
        return max(0, self.deadline_ms - int(time.time() * 1000))

    def w3c(self) -> dict[str, str]:
        """The W3C trace context the invocation came with (``traceparent``,
        ``tracestate``, ``baggage``), from the client context."""
        return dict(self.w3c_fields)

    def log(self, message: Any) -> None:
        """Write ``message`` to the function's log, as ``context.log`` does in Lambda."""
        for handler in logging.getLogger().handlers:
            sink = getattr(handler, "log_sink", None)
            if sink is not None:
                sink.log(str(message))
                return
        sys.stdout.write(str(message))

    def __repr__(self) -> str:
        return f"<RuntimeContext {self.function_name} request {self.aws_request_id}>"


class ContextError(Exception):
    """A context header is not valid JSON (``Runtime.LambdaContextUnmarshalError``)."""


def _json_header(value: str, what: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ContextError(f"Unable to parse {what} JSON: {exc}") from exc


def function_settings() -> _Function:
    """The function's settings from the environment (call once, after any fork)."""
    return _Function()
