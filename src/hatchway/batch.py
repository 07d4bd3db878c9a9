"""Record-by-record pass-through: SQS, Kinesis and DynamoDB-stream batches
posted into the app one record at a time, answered with a partial batch response.

``Adapter(app, passthrough={"aws:sqs": "/sqs", "aws:kinesis": "/kinesis",
"aws:dynamodb": "/ddb"})`` sends each record of a batch from one of those
event sources to the app as ``POST <route>`` with the record as its JSON body
(built exactly as the whole-event pass-through builds its request; ``aws.event``
is the record). A record whose request answers outside 2xx, or raises, has
failed; the handler returns ``{"batchItemFailures": [{"itemIdentifier": ...}]}``
naming the failed records (SQS ``messageId``, Kinesis ``kinesis.sequenceNumber``,
DynamoDB ``dynamodb.SequenceNumber``), which Lambda reads when the event source
mapping has ``FunctionResponseTypes: ["ReportBatchItemFailures"]``.

Records are posted in order. Where order matters, the first failure ends the
batch and it and every later record are reported, unprocessed: an SQS FIFO
queue (AWS asks for this in "Handling errors for an SQS event source in
Lambda"), and Kinesis and DynamoDB streams, where Lambda retries from the
lowest reported sequence number anyway ("Configuring partial batch response
with Kinesis Data Streams and Lambda").
"""

from __future__ import annotations

from collections.abc import Mapping

from ._typing import TYPE_CHECKING
from .errors import HatchwayError, LifespanFailure, PassthroughError, UnsupportedEvent
from .log import LazyLogger, request_id_of
from .passthrough import EventRoute, make_passthrough

if TYPE_CHECKING:
    from typing import Any

    from .http import Request
    from .passthrough import Passthrough, RunApp

__all__ = ["BatchPassthrough", "BatchRecordError", "passthrough_for"]

logger = LazyLogger("hatchway")

#: The event sources whose batches can be split, and where each record keeps
#: the identifier Lambda expects back: (field, sub-field or None).
_IDENTIFIERS: dict[str, tuple[str, str | None]] = {
    "aws:sqs": ("messageId", None),
    "aws:kinesis": ("kinesis", "sequenceNumber"),
    "aws:dynamodb": ("dynamodb", "SequenceNumber"),
}


class BatchRecordError(HatchwayError):
    """A record failed and carries no identifier to report it by: the whole
    batch fails, so Lambda retries all of it rather than drop that record."""


def passthrough_for(option: object, base_path: str = "") -> BatchPassthrough | Passthrough | None:
    """The ``passthrough=`` option: a mapping of event sources to routes is
    the record-by-record mode; anything else is the whole-event mode."""
    if isinstance(option, Mapping):
        return BatchPassthrough(option, base_path)
    return make_passthrough(option, base_path)


def record_identifier(record: Any, event_source: str) -> str | None:
    """The identifier Lambda expects for ``record`` in ``batchItemFailures``."""
    field, sub_field = _IDENTIFIERS[event_source]
    if not isinstance(record, Mapping):
        return None
    value = record.get(field)
    if sub_field is not None:
        value = value.get(sub_field) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) and value else None


def _event_source(record: Any) -> str | None:
    if not isinstance(record, Mapping):
        return None
    # SQS, Kinesis and DynamoDB spell it eventSource; SNS spells it EventSource.
    value = record.get("eventSource", record.get("EventSource"))
    return value if isinstance(value, str) else None


def _ordered(records: list[Any], event_source: str) -> bool:
    """Whether a failure must stop the batch: an SQS FIFO queue, or a stream."""
    if event_source != "aws:sqs":
        return True
    first = records[0]
    arn = first.get("eventSourceARN") if isinstance(first, Mapping) else None
    if isinstance(arn, str) and arn.endswith(".fifo"):
        return True
    attributes = first.get("attributes") if isinstance(first, Mapping) else None
    return isinstance(attributes, Mapping) and "MessageGroupId" in attributes


class BatchPassthrough:
    """Posts each record of a routed batch into the app; answers with the failures."""

    __slots__ = ("routes",)

    def __init__(self, routes: Mapping[Any, Any], base_path: str = "") -> None:
        if not routes:
            raise ValueError("passthrough needs at least one event source and route")
        self.routes: dict[str, EventRoute] = {}
        for event_source, path in routes.items():
            if event_source not in _IDENTIFIERS:
                raise ValueError(
                    f"passthrough routes records of {', '.join(map(repr, _IDENTIFIERS))}, "
                    f"not {event_source!r}"
                )
            route = make_passthrough(path, base_path) if isinstance(path, str) else None
            if not isinstance(route, EventRoute):
                raise TypeError(
                    f"passthrough[{event_source!r}] must be a path like '/sqs', not {path!r}"
                )
            self.routes[event_source] = route

    def refuses(self, request: Request) -> bool:
        """Whether an HTTP ``request`` is for one of the record routes: refused
        like the whole-event route's, so no client can post a forged record."""
        return any(route.refuses(request) for route in self.routes.values())

    def __call__(self, event: Any, context: Any, run: RunApp) -> Any:
        records = event.get("Records") if isinstance(event, Mapping) else None
        event_source = _event_source(records[0]) if isinstance(records, list) and records else None
        if event_source not in self.routes:
            raise UnsupportedEvent(
                event,
                (),
                f"passthrough routes batches of {', '.join(self.routes)} record by record; "
                "this event is none of them",
            )
        assert isinstance(records, list)
        assert event_source is not None
        route = self.routes[event_source]
        ordered = _ordered(records, event_source)
        failures: list[dict[str, str]] = []
        for record in records:
            if failures and ordered:
                # An earlier record failed: report this one unprocessed, keeping the order.
                failures.append({"itemIdentifier": _required_identifier(record, event_source)})
                continue
            if not self._deliver(route, record, event_source, context, run):
                failures.append({"itemIdentifier": _required_identifier(record, event_source)})
        if failures and ordered and len(failures) > 1:
            logger.warning(
                "%d later %s records not processed after the first failure, to keep their "
                "order; reported as failed (request id %s)",
                len(failures) - 1,
                event_source,
                request_id_of(context),
            )
        return {"batchItemFailures": failures}

    def _deliver(
        self, route: EventRoute, record: Any, event_source: str, context: Any, run: RunApp
    ) -> bool:
        """Post one record; True when the app answered 2xx."""
        identifier = record_identifier(record, event_source)
        try:
            route(record, context, run)
        except LifespanFailure:
            raise  # the app cannot start: fail the invocation, Lambda retries the batch
        except PassthroughError as exc:
            logger.warning(
                "%s record %s failed: POST %s answered %d (request id %s)",
                event_source,
                identifier,
                route.path,
                exc.status,
                request_id_of(context),
            )
            return False
        except Exception as exc:
            logger.warning(
                "%s record %s failed: POST %s raised %s: %s (request id %s)",
                event_source,
                identifier,
                route.path,
                type(exc).__name__,
                exc,
                request_id_of(context),
            )
            return False
        return True

    def __repr__(self) -> str:
        routes = ", ".join(f"{source} -> {route.path}" for source, route in self.routes.items())
        return f"<BatchPassthrough {routes}>"


def _required_identifier(record: Any, event_source: str) -> str:
    identifier = record_identifier(record, event_source)
    if identifier is None:
        field, sub_field = _IDENTIFIERS[event_source]
        where = f"{field}.{sub_field}" if sub_field else field
        raise BatchRecordError(
            f"a failed {event_source} record has no {where} to report it by; "
            "failing the whole batch so that it is retried"
        )
    return identifier
