"""A stand-in for the context object the Lambda runtime passes to a handler."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

__all__ = ["LambdaContext"]


class LambdaContext:
    """The attributes and method of the Python runtime's context object.

    ``deadline_ms`` (epoch milliseconds) is settable, and so is the clock, so a
    test can put a handler near its timeout. As in the real runtime,
    ``memory_limit_in_mb`` is a string.
    """

    def __init__(
        self,
        *,
        function_name: str = "hatchway-test",
        function_version: str = "$LATEST",
        memory_limit_in_mb: int = 128,
        timeout: float = 30.0,
        aws_request_id: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        deadline_ms: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.aws_request_id = aws_request_id if aws_request_id is not None else str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        self.log_stream_name = f"{today}/[{function_version}]{os.urandom(16).hex()}"
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._clock = clock
        #: When the invocation times out, in milliseconds since the epoch.
        self.deadline_ms = (
            deadline_ms if deadline_ms is not None else int((clock() + timeout) * 1000)
        )

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out (never negative)."""
        return max(0, self.deadline_ms - int(self._clock() * 1000))

    def set_remaining_time(self, seconds: float) -> None:
        """Move the deadline to ``seconds`` from now."""
        self.deadline_ms = int((self._clock() + seconds) * 1000)

    def __repr__(self) -> str:
        return f"<LambdaContext {self.function_name} request {self.aws_request_id}>"
