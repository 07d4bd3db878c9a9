"""Events built by the gateway direction have the shape of real captured events.

For each source, every key that all of the real samples carry (top level,
``requestContext`` and its ``http``/``identity`` parts) must be in the built
event, with the same JSON type (or null where a sample has null).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.testing import build_event
from helpers import SAMPLES

CASES = [
    pytest.param("apigw-rest", "apigw-rest", {}, id="apigw-rest"),
    pytest.param("apigw-http", "apigw-http", {}, id="apigw-http"),
    pytest.param("function-url", "function-url", {}, id="function-url"),
    pytest.param("alb", "alb", {"multi_value": False}, id="alb-single"),
    pytest.param("alb", "alb", {"multi_value": True}, id="alb-multi"),
]


def _samples(folder: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    if not SAMPLES.is_dir():
        pytest.skip(f"real sample events not found at {SAMPLES} (a fresh clone has none)")
    events = [json.loads(p.read_text()) for p in sorted((SAMPLES / folder).glob("*.json"))]
    if folder == "alb":  # the two target-group modes have different shapes
        events = [e for e in events if ("multiValueHeaders" in e) == options["multi_value"]]
    assert events, f"no samples in {folder}"
    return events


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _compare(path: str, ours: dict[str, Any], samples: list[dict[str, Any]]) -> list[str]:
    problems = []
    common = set.intersection(*(set(s) for s in samples))
    for key in sorted(common):
        if key not in ours:
            problems.append(f"{path}{key} missing")
            continue
        kinds = {_json_type(s[key]) for s in samples} - {"null"}
        mine = _json_type(ours[key])
        if kinds and mine != "null" and mine not in kinds:
            problems.append(f"{path}{key} is {mine}, samples have {sorted(kinds)}")
    return problems


@pytest.mark.parametrize(("folder", "source", "options"), CASES)
def test_built_event_has_every_key_the_samples_share(
    folder: str, source: str, options: dict[str, Any]
) -> None:
    samples = _samples(folder, options)
    ours = build_event(
        source,
        "POST",
        "https://api.example.com/my/path?a=1&a=2",
        headers={"Cookie": "c=1", "User-Agent": "test"},
        body=b'{"x": 1}',
        **options,
    )
    problems = _compare("", ours, samples)
    contexts = [s["requestContext"] for s in samples if isinstance(s.get("requestContext"), dict)]
    problems += _compare("requestContext.", ours["requestContext"], contexts)
    for part in ("http", "identity"):
        parts = [c[part] for c in contexts if isinstance(c.get(part), dict)]
        if parts and len(parts) == len(contexts):
            problems += _compare(f"requestContext.{part}.", ours["requestContext"][part], parts)
    assert problems == []


@pytest.mark.parametrize(("folder", "source", "options"), CASES)
def test_built_event_is_recognised_as_its_source(
    folder: str, source: str, options: dict[str, Any]
) -> None:
    event = build_event(source, "GET", "/", **options)
    assert Adapter(lambda environ, start_response: []).source_for(event).name == source
