"""The README's two app examples run as printed and do what the README says:
under a REST API stage ``prod``, routes match and the links carry the stage."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

from hatchway.testing import LambdaContext, build_event, read_response

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def app_blocks() -> list[str]:
    """The README's complete apps: the blocks that start with ``# app.py``."""
    blocks = [m.group(1) for m in _FENCE.finditer(README.read_text(encoding="utf-8"))]
    return [block for block in blocks if block.startswith("# app.py")]


def test_the_readme_shows_an_asgi_and_a_wsgi_app() -> None:
    assert len(app_blocks()) == 2


@pytest.mark.parametrize("number", [0, 1], ids=["fastapi", "flask"])
def test_readme_app_answers_through_a_stage(number: int) -> None:
    block = app_blocks()[number]
    for framework in ("fastapi", "flask", "httpx"):
        if f"import {framework}" in block or f"from {framework} " in block:
            pytest.importorskip(framework)
    module = types.ModuleType(f"readme_app_{number}")
    exec(compile(block, f"README.md app {number}", "exec"), module.__dict__)
    event = build_event(
        "apigw-rest",
        "GET",
        "https://api.example.com/prod/items/42",
        stage="prod",
        stage_in_url=True,
    )
    response = read_response("apigw-rest", module.handler(event, LambdaContext()))
    assert response.status == 200, response.body
    assert b'"self":"https://api.example.com/prod/items/42"' in response.body.replace(b" ", b"")
