"""The built-in sources never claim the same event, so the Adapter may try the
previous event's source first without changing which source answers."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.sources import BUILTIN_SOURCES
from helpers import SAMPLES, AsgiRecorder, Context, WsgiRecorder, load

# Sample folder -> the source that must claim its events (None: no source).
FOLDERS = {
    "alb": "alb",
    "apigw-http": "apigw-http",
    "apigw-rest": "apigw-rest",
    "function-url": "function-url",
    "lambda-edge": "lambda-edge",
    "vpc-lattice-v1": "vpc-lattice",
    "vpc-lattice-v2": "vpc-lattice",
    "non-http": None,
    "websocket": None,
}

# One minimal hand-made event per source, for the hybrids below.
MINIMAL: dict[str, dict[str, Any]] = {
    "lambda-edge": {"Records": [{"cf": {"config": {}, "request": {"method": "GET", "uri": "/"}}}]},
    "alb": {"httpMethod": "GET", "path": "/", "requestContext": {"elb": {"targetGroupArn": "x"}}},
    "function-url": {
        "version": "2.0",
        "rawPath": "/",
        "requestContext": {"http": {"method": "GET"}, "domainName": "a.lambda-url.x.on.aws"},
    },
    "apigw-http": {"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "GET"}}},
    "apigw-rest": {"httpMethod": "GET", "path": "/", "requestContext": {"stage": "prod"}},
    "vpc-lattice": {
        "version": "2.0",
        "method": "GET",
        "path": "/",
        "requestContext": {"serviceArn": "arn"},
    },
}


#: Which source takes an event that holds two sources' keys (never sent by
#: AWS): each ``matches`` refuses the events of the sources before it here.
PRECEDENCE = ["lambda-edge", "alb", "function-url", "apigw-http", "apigw-rest", "vpc-lattice"]


def claimers(event: dict[str, Any]) -> list[str]:
    return [source.name for source in BUILTIN_SOURCES if source.matches(event)]


def sample_files() -> list[Any]:
    if not SAMPLES.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{SAMPLES} is absent"))]
    return [
        pytest.param(path, owner, id=f"{folder}/{path.stem}")
        for folder, owner in FOLDERS.items()
        for path in sorted((SAMPLES / folder).glob("*.json"))
    ]


@pytest.mark.parametrize(("path", "owner"), sample_files())
def test_every_sample_has_exactly_its_own_source(path: Path, owner: str | None) -> None:
    assert claimers(load(path)) == ([owner] if owner else [])


@pytest.mark.parametrize("name", sorted(MINIMAL))
def test_each_minimal_event_has_one_source(name: str) -> None:
    assert claimers(MINIMAL[name]) == [name]


def _merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = {**first, **second}
    contexts = [e["requestContext"] for e in (first, second) if "requestContext" in e]
    if contexts:
        merged["requestContext"] = {k: v for c in contexts for k, v in c.items()}
    return merged


@pytest.mark.parametrize(
    ("one", "other"), list(itertools.permutations(sorted(MINIMAL), 2)), ids="+".join
)
def test_hybrid_events_have_at_most_one_source(one: str, other: str) -> None:
    """Two sources' keys in one event (never sent by AWS): only the source
    first in PRECEDENCE takes it, whichever was tried first."""
    assert claimers(_merged(MINIMAL[one], MINIMAL[other])) == [
        min(one, other, key=PRECEDENCE.index)
    ]


def test_precedence_names_every_builtin_source() -> None:
    assert sorted(PRECEDENCE) == sorted(s.name for s in BUILTIN_SOURCES)


@pytest.mark.parametrize("app", [AsgiRecorder(), WsgiRecorder()], ids=["asgi", "wsgi"])
def test_interleaved_sources_each_get_their_own_answer(app: Any) -> None:
    """One Adapter fed events of every source in turn answers each in its own shape."""
    handler = Adapter(app, lifespan="off") if isinstance(app, AsgiRecorder) else Adapter(app)
    order = ["apigw-http", "function-url", "apigw-http", "alb", "apigw-rest", "vpc-lattice"]
    for name in order * 2:
        assert handler.source_for(MINIMAL[name]).name == name
        result = handler(MINIMAL[name], Context())
        assert result["statusCode"] == 200
        # Only the load balancers' shapes carry a status description.
        assert ("statusDescription" in result) is (name in ("alb", "vpc-lattice"))
