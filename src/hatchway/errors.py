"""Public exception types. Every error hatchway raises derives from HatchwayError."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "BadRequest",
    "DeadlineExceeded",
    "HatchwayError",
    "InvalidEvent",
    "LifespanFailure",
    "PassthroughError",
    "ProtocolError",
    "UnsupportedEvent",
]


class HatchwayError(Exception):
    """Base class of hatchway's own errors."""


class UnsupportedEvent(HatchwayError):
    """The event matches none of the configured sources."""

    def __init__(self, event: Any, sources_tried: Iterable[str], reason: str = "") -> None:
        self.sources_tried = tuple(sources_tried)
        hint = ""
        if isinstance(event, Mapping):
            self.event_keys: tuple[str, ...] = tuple(str(k) for k in event)
            shape = f"an event with top-level keys {sorted(self.event_keys)}"
            service = _service_event(event)
            if service:
                shape = f"{service} (top-level keys {sorted(self.event_keys)})"
            hint = (
                "; if the function also gets events other than HTTP requests (SQS, SNS, "
                "EventBridge, schedules), set Adapter(app, passthrough='/events') to post "
                "each to the app as POST /events, or passthrough=a_function to call "
                "a_function(event, context)"
            )
        else:
            self.event_keys = ()
            shape = f"an event of type {type(event).__name__}"
        message = reason or (
            f"hatchway cannot handle {shape}: it matches none of the sources tried "
            f"({', '.join(self.sources_tried)}){hint}"
        )
        super().__init__(message)


def _service_event(event: Mapping[Any, Any]) -> str:
    """``an aws:sqs event`` and the like for the common non-HTTP events, else ""."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        service = records[0].get("eventSource") or records[0].get("EventSource")
        if isinstance(service, str) and service:
            return f"an {service[:40]} event"
    detail_type = event.get("detail-type")
    if isinstance(detail_type, str) and "source" in event:
        return f"an EventBridge event ({detail_type[:80]})"
    return ""


class InvalidEvent(HatchwayError):
    """The event was recognised as one source's but a field is missing or malformed."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        super().__init__(f"invalid {source} event: {field} {problem}")


class BadRequest(HatchwayError):
    """The client's request cannot be delivered to the app; answered with status 400."""


class ProtocolError(HatchwayError):
    """The app broke the ASGI or WSGI protocol (bad message, header or status)."""


class LifespanFailure(HatchwayError):
    """The ASGI lifespan startup (or, before a SnapStart snapshot, its shutdown)
    failed. In INIT it fails the import, and Lambda runs INIT again; on a first
    request it fails the invocation, and the next one tries again."""


class PassthroughError(HatchwayError):
    """The app answered a passed-through event with a status outside 2xx.

    Raised so that Lambda counts the invocation as failed and retries the
    event (or sends it to the dead-letter destination) as configured.
    """

    def __init__(self, path: str, status: int, body: bytes = b"") -> None:
        self.path = path
        self.status = status
        self.body = body
        excerpt = body[:200].decode("utf-8", errors="replace")
        super().__init__(
            f"the app answered the passed-through event (POST {path}) with status "
            f"{status}" + (f": {excerpt}" if excerpt else "")
        )


class DeadlineExceeded(HatchwayError):
    """The ASGI app was cancelled because the invocation was about to time out;
    answered with status 504."""

    def __init__(self, message: str, stack: str = "") -> None:
        super().__init__(message)
        #: Where the app was awaiting when it was cancelled, formatted like a traceback.
        self.stack = stack
