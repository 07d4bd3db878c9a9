"""Which build is under test: CI runs the suite once on the pure-Python package
and once on the mypyc-compiled one (``HATCHWAY_MYPYC=1``, see setup.py); this
makes sure the second run really loads the compiled modules."""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

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
