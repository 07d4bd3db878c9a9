"""Record-by-record pass-through of SQS, Kinesis and DynamoDB-stream batches,
with the real sample events (``../shared/aws-events/non-http``)."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import flask
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from hatchway import Adapter, UnsupportedEvent
from hatchway.batch import BatchRecordError
from hatchway.passthrough import EventRoute
from helpers import SAMPLES, Context, load

ROUTES = {"aws:sqs": "/sqs", "aws:kinesis": "/kinesis", "aws:dynamodb": "/ddb"}
NON_HTTP = SAMPLES / "non-http"

needs_samples = pytest.mark.skipif(not NON_HTTP.is_dir(), reason=f"{NON_HTTP} is absent")


def sample(name: str) -> dict[str, Any]:
    return load(NON_HTTP / f"aws-lambda-go__{name}-event.json")


def sqs_batch(count: int, *, fifo: bool = False) -> dict[str, Any]:
    """``count`` records made from the real SQS sample, each with its own id and body."""
    [record] = sample("sqs")["Records"]
    records = []
    for n in range(1, count + 1):
        item = copy.deepcopy(record)
        item["messageId"] = f"MessageID_{n}"
        item["body"] = json.dumps({"n": n})
        if fifo:
            item["eventSourceARN"] += ".fifo"
            item["attributes"]["MessageGroupId"] = "g1"
        records.append(item)
    return {"Records": records}


def records_app(fail: set[str] | None = None, crash: set[str] | None = None) -> FastAPI:
    """Posts land in ``app.state.seen`` (route, record); the records whose
    identifier is in ``fail`` answer 500, those in ``crash`` raise."""
    app = FastAPI()
    app.state.seen = []
    fail = fail or set()
    crash = crash or set()

    def handle(route: str, record: dict[str, Any], identifier: str, request: Request) -> Response:
        app.state.seen.append((route, record, request.scope["aws.event"] == record))
        if identifier in crash:
            raise RuntimeError(f"cannot handle {identifier}")
        if identifier in fail:
            return Response("no", status_code=500)
        return Response(status_code=204)

    @app.post("/sqs")
    async def sqs(request: Request) -> Response:
        record = await request.json()
        return handle("/sqs", record, record["messageId"], request)

    @app.post("/kinesis")
    async def kinesis(request: Request) -> Response:
        record = await request.json()
        return handle("/kinesis", record, record["kinesis"]["sequenceNumber"], request)

    @app.post("/ddb")
    async def ddb(request: Request) -> Response:
        record = await request.json()
        return handle("/ddb", record, record["eventID"], request)

    return app


def failures(result: Any) -> list[str]:
    assert set(result) == {"batchItemFailures"}
    return [item["itemIdentifier"] for item in result["batchItemFailures"]]


@needs_samples
def test_sqs_batch_reports_exactly_the_failed_record(caplog: pytest.LogCaptureFixture) -> None:
    app = records_app(fail={"MessageID_2"})
    event = sqs_batch(3)
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context("req-9"))
    assert failures(result) == ["MessageID_2"]
    # Each record posted in order, as its own JSON body, with aws.event the record.
    assert [(route, record) for route, record, _ in app.state.seen] == [
        ("/sqs", r) for r in event["Records"]
    ]
    assert all(is_record for _, _, is_record in app.state.seen)
    [line] = [r.getMessage() for r in caplog.records if "MessageID_2" in r.getMessage()]
    assert "500" in line
    assert "req-9" in line


@needs_samples
def test_all_succeed_returns_an_empty_list() -> None:
    result = Adapter(records_app(), lifespan="off", passthrough=ROUTES)(sqs_batch(3), Context())
    assert result == {"batchItemFailures": []}


@needs_samples
def test_exceptions_in_the_app_are_failures_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = records_app(crash={"MessageID_1", "MessageID_3"})
    with caplog.at_level(logging.WARNING, logger="hatchway"):
        result = Adapter(app, lifespan="off", passthrough=ROUTES)(sqs_batch(3), Context())
    assert failures(result) == ["MessageID_1", "MessageID_3"]
    assert len(app.state.seen) == 3
    # The traceback is logged by the adapter, the failed record by the batch.
    assert any(r.exc_info and "MessageID_3" in str(r.exc_info[1]) for r in caplog.records)
    assert any("MessageID_3" in r.getMessage() for r in caplog.records)


@needs_samples
def test_exceptions_with_errors_raise_are_failures_too() -> None:
    app = records_app(crash={"MessageID_2"})
    adapter = Adapter(app, lifespan="off", passthrough=ROUTES, errors="raise")
    assert failures(adapter(sqs_batch(3), Context())) == ["MessageID_2"]
    assert len(app.state.seen) == 3


@needs_samples
@pytest.mark.parametrize("marker", ["arn", "group"])
def test_fifo_stops_at_the_first_failure(marker: str) -> None:
    event = sqs_batch(4, fifo=True)
    if marker == "arn":
        for record in event["Records"]:
            del record["attributes"]["MessageGroupId"]
    else:
        for record in event["Records"]:
            record["eventSourceARN"] = record["eventSourceARN"].removesuffix(".fifo")
    app = records_app(fail={"MessageID_2"})
    result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())
    assert failures(result) == ["MessageID_2", "MessageID_3", "MessageID_4"]
    assert [record["messageId"] for _, record, _ in app.state.seen] == [
        "MessageID_1",
        "MessageID_2",
    ]


@needs_samples
def test_kinesis_reports_sequence_numbers() -> None:
    event = sample("kinesis")
    first, second = (r["kinesis"]["sequenceNumber"] for r in event["Records"])
    app = records_app(fail={first})
    result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())
    # A stream is ordered: the failure ends the batch; Lambda retries from it.
    assert failures(result) == [first, second]
    assert [route for route, _, _ in app.state.seen] == ["/kinesis"]
    app = records_app(fail={second})
    result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())
    assert failures(result) == [second]


@needs_samples
def test_dynamodb_reports_sequence_numbers() -> None:
    event = sample("dynamodb")
    # The sample's two records share an eventID; tell them apart for the app.
    event["Records"][1]["eventID"] = "second"
    event["Records"][1]["dynamodb"]["SequenceNumber"] = "222"
    app = records_app(fail={"second"})
    result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())
    assert failures(result) == ["222"]
    assert [route for route, _, _ in app.state.seen] == ["/ddb", "/ddb"]


@needs_samples
@pytest.mark.parametrize("name", ["sns", "s3"])
def test_unrouted_events_are_refused(name: str) -> None:
    adapter = Adapter(records_app(), lifespan="off", passthrough={"aws:sqs": "/sqs"})
    with pytest.raises(UnsupportedEvent, match="record by record"):
        adapter(sample(name), Context())


@needs_samples
def test_only_the_routed_sources_are_split() -> None:
    adapter = Adapter(records_app(), lifespan="off", passthrough={"aws:sqs": "/sqs"})
    with pytest.raises(UnsupportedEvent):
        adapter(sample("kinesis"), Context())


@needs_samples
def test_a_failed_record_without_identifier_fails_the_batch() -> None:
    event = sqs_batch(2)
    del event["Records"][1]["messageId"]
    app = FastAPI()

    @app.post("/sqs")
    async def sqs() -> Response:
        return Response(status_code=500)

    with pytest.raises(BatchRecordError, match="messageId"):
        Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())


@needs_samples
def test_wsgi_app() -> None:
    app = flask.Flask(__name__)
    seen = []

    @app.post("/sqs")
    def sqs() -> tuple[str, int]:
        record = flask.request.get_json()
        seen.append(record["messageId"])
        return ("", 409 if record["messageId"] == "MessageID_2" else 200)

    result = Adapter(app, passthrough={"aws:sqs": "/sqs"})(sqs_batch(3), Context())
    assert failures(result) == ["MessageID_2"]
    assert seen == ["MessageID_1", "MessageID_2", "MessageID_3"]


def test_http_events_still_served() -> None:
    app = records_app()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    event = {
        "version": "2.0",
        "rawPath": "/hello",
        "rawQueryString": "",
        "headers": {"host": "api.example.com"},
        "requestContext": {"http": {"method": "GET", "sourceIp": "1.2.3.4"}, "stage": "$default"},
    }
    result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())
    assert json.loads(result["body"]) == {"hello": "world"}


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ({}, ValueError),
        ({"aws:sns": "/sns"}, ValueError),
        ({"aws:sqs": "sqs"}, ValueError),
        ({"aws:sqs": "/sqs?x"}, ValueError),
        ({"aws:sqs": 3}, TypeError),
        ({"aws:sqs": print}, TypeError),
    ],
)
def test_option_checked_when_built(option: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error, match="passthrough"):
        Adapter(records_app(), lifespan="off", passthrough=option)


@pytest.mark.skipif(
    not hasattr(EventRoute, "refuses"), reason="needs the pass-through forgery guard"
)
@pytest.mark.parametrize("path", ["/sqs", "/kinesis/", "/SQS"])
def test_http_requests_for_a_record_route_are_refused(path: str) -> None:
    app = records_app()
    event = {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "api.example.com", "content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "sourceIp": "1.2.3.4"}, "stage": "$default"},
        "body": json.dumps({"messageId": "forged", "eventSource": "aws:sqs"}),
        "isBase64Encoded": False,
    }
    result = Adapter(app, lifespan="off", passthrough=ROUTES)(event, Context())
    assert result["statusCode"] == 404
    assert app.state.seen == []


@needs_samples
def test_records_carry_the_passthrough_marker() -> None:
    """Each record's request is built by the whole-event route, so it carries
    whatever marks a pass-through request (the scope key, once merged)."""
    marks = []
    app = FastAPI()

    @app.post("/sqs")
    async def sqs(request: Request) -> Response:
        marks.append(request.scope.get("hatchway.passthrough"))
        return Response(status_code=204)

    Adapter(app, lifespan="off", passthrough=ROUTES)(sqs_batch(2), Context())
    expected = True if hasattr(EventRoute, "refuses") else None
    assert marks == [expected, expected]
