"""Which build is under test: CI runs the suite once on the pure-Python package
and once on the mypyc-compiled one (``HATCHWAY_MYPYC=1``, see setup.py); this
makes sure the second run really loads the compiled modules."""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path
from typing import Any

import pytest

SETUP = Path(__file__).resolve().parent.parent / "setup.py"


def compiled_modules() -> list[str]:
    """The module names setup.py compiles, read from its ``COMPILED`` list."""
    tree = ast.parse(SETUP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED":
            paths = [item.value for item in node.value.elts]  # type: ignore[attr-defined]
            return [p.removeprefix("src/").removesuffix(".py").replace("/", ".") for p in paths]
    raise AssertionError("setup.py has no COMPILED list")


def test_the_compiled_list_names_real_modules() -> None:
    names = compiled_modules()
    assert "hatchway.wsgi" in names
    for name in names:
        importlib.import_module(name)


@pytest.mark.skipif(
    os.environ.get("HATCHWAY_EXPECT_BUILD") is None,
    reason="HATCHWAY_EXPECT_BUILD (compiled or pure) is set by CI's runs",
)
def test_the_expected_build_is_loaded() -> None:
    expected = os.environ["HATCHWAY_EXPECT_BUILD"]
    assert expected in ("compiled", "pure")
    for name in compiled_modules():
        origin = importlib.import_module(name).__file__ or ""
        assert origin.endswith(".py") is (expected == "pure"), origin


def test_public_classes_take_python_subclasses() -> None:
    # A compiled class refuses Python subclasses unless it says otherwise
    # (hatchway._mypyc); the pure package always takes them.
    from events import http_api
    from hatchway import Adapter, Request, Response
    from hatchway.sources import BUILTIN_SOURCES

    for base in (Request, Response, *{type(source) for source in BUILTIN_SOURCES}):
        subclass = type(f"My{base.__name__}", (base,), {})
        assert issubclass(subclass, base)

    source_type = next(type(s) for s in BUILTIN_SOURCES if s.name == "apigw-http")

    class Tagged(source_type):  # type: ignore[misc, valid-type]
        name = "tagged"

        def render(self, response: Any, event: Any, options: Any) -> Any:
            result = super().render(response, event, options)
            result["headers"]["x-tagged"] = "1"
            return result

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    result = Adapter(app, sources=[Tagged()])(http_api("/"), None)
    assert result["statusCode"] == 200
    assert result["headers"]["x-tagged"] == "1"
