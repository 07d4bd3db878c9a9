"""The public signatures' annotations resolve at run time: documentation tools
and dependency-injection frameworks call typing.get_type_hints() on them."""

from __future__ import annotations

import subprocess
import sys
import typing
from collections.abc import Callable, Iterable

import pytest

import hatchway
from hatchway.sources.base import Source


def test_get_type_hints_of_the_adapter() -> None:
    hints = typing.get_type_hints(hatchway.Adapter.__init__)
    assert hints["app"] == Callable[..., typing.Any]
    assert hints["interface"] == typing.Literal["auto", "asgi", "wsgi"]
    assert hints["sources"] == Iterable[Source]
    assert hints["return"] is type(None)


@pytest.mark.subprocess
def test_get_type_hints_in_a_fresh_interpreter() -> None:
    # Nothing imported before hatchway that could put the names in place.
    code = "import typing, hatchway; typing.get_type_hints(hatchway.Adapter.__init__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
