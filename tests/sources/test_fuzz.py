"""Property-based fuzzing of every source with mutated events.

Real sample events (when ../shared is present) and the project's own events
are mutated at random (keys deleted, values replaced by arbitrary JSON,
including nulls, wrong types and hostile strings) and handed to an ASGI and a
WSGI app. Whatever comes in, only hatchway's documented exceptions or a JSON
response dict with a documented status may come out, the app must see a
well-formed scope/environ, and nothing may hang.

HATCHWAY_FUZZ_EXAMPLES sets the examples per source (default 300; .ci/run uses 2,000).
"""

from __future__ import annotations

import copy
import json
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatchway import Adapter, HatchwayError
from hatchway.testing import build_event, gateway_names
from helpers import SAMPLES, Context, load

EXAMPLES = int(os.environ.get("HATCHWAY_FUZZ_EXAMPLES", "300"))
FOLDERS = {
    "apigw-rest": ["apigw-rest"],
    "apigw-http": ["apigw-http"],
    "function-url": ["function-url"],
    "alb": ["alb"],
    "lambda-edge": ["lambda-edge"],
    "vpc-lattice": ["vpc-lattice-v1", "vpc-lattice-v2"],
}
HOSTILE = ["", "/", "%", "%zz", "%00", "a\r\nb", "\x00", "é", "✓", "2.0", "AAAA==", "GET", "*", " "]
STATUSES = {200, 400, 413, 500}


def seeds(source: str) -> list[dict[str, Any]]:
    """Events to mutate: the project's own, plus the real samples when present."""
    events = []
    if source in gateway_names():
        events.append(
            build_event(source, "POST", "https://api.example.com/a%20b/é?x=1&x=2", body=b"\xff")
        )
        events.append(
            build_event(source, "GET", "/", headers={"cookie": "a=1", "x-forwarded-for": "1.2.3.4"})
        )
    if SAMPLES.is_dir():
        for folder in FOLDERS[source]:
            events.extend(load(path) for path in sorted((SAMPLES / folder).glob("*.json")))
    return events


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(HOSTILE),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) inside a JSON value."""
    if isinstance(value, dict):
        for key in list(value):
            yield value, key
            yield from slots(value[key])
    elif isinstance(value, list):
        for index in range(len(value)):
            yield value, index
            yield from slots(value[index])


@st.composite
def mutated(draw: Any, events: list[dict[str, Any]]) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(events)))
    for _ in range(draw(st.integers(1, 4))):
        places = list(slots(event))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        if draw(st.booleans()) and isinstance(container, dict):
            del container[key]
        else:
            container[key] = draw(json_values)
    return event


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    assert isinstance(scope["method"], str)
    assert scope["method"]
    assert isinstance(scope["path"], str)
    assert scope["path"].startswith("/")
    assert isinstance(scope["raw_path"], bytes)
    assert isinstance(scope["root_path"], str)
    assert scope["path"].startswith(scope["root_path"])
    assert isinstance(scope["query_string"], bytes)
    for name, value in scope["headers"]:
        assert type(name) is bytes
        assert type(value) is bytes
        assert name == name.lower()
    host, port = scope["server"]
    assert isinstance(host, str)
    assert host
    assert isinstance(port, int)
    assert scope["client"] is None or isinstance(scope["client"][0], str)
    message = await receive()
    assert isinstance(message["body"], bytes)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    for key in (
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "SERVER_NAME",
        "SERVER_PORT",
    ):
        assert isinstance(environ[key], str)
        environ[key].encode("latin-1")
    assert environ["SERVER_NAME"]
    assert environ["SERVER_PORT"].isdigit()
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


HANDLERS = {
    "asgi": Adapter(asgi_app, lifespan="off", errors="raise"),
    "wsgi": Adapter(wsgi_app, errors="raise"),
}


def status_of(result: dict[str, Any]) -> int:
    return int(result["statusCode"] if "statusCode" in result else result["status"])


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail, rather than hang, when a run takes far longer than it should."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def timeout(signum: int, frame: Any) -> None:
        raise TimeoutError("fuzzing hung")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(max(60, EXAMPLES // 20))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("source", list(FOLDERS))
def test_mutated_events_give_only_documented_outcomes(source: str, alarm: None) -> None:
    events = seeds(source)
    if not events:
        pytest.skip(f"no {source} events: no gateway direction and no samples")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(event=mutated(events), interface=st.sampled_from(sorted(HANDLERS)))
    def check(event: dict[str, Any], interface: str) -> None:
        try:
            result = HANDLERS[interface](event, Context())
        except HatchwayError:
            return
        assert isinstance(result, dict)
        assert status_of(result) in STATUSES
        json.dumps(result)  # Lambda must be able to serialise it

    check()
