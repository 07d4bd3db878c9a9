"""setuptools' build backend, asking for mypy as well when ``HATCHWAY_MYPYC=1``
requests the compiled build (see setup.py): a plain build needs only setuptools."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403

_SWITCH = "HATCHWAY_MYPYC"
#: mypyc comes with mypy.
_COMPILER = ["mypy>=1.10"]


def _requires(hook: Callable[[Any], list[str]], config_settings: Any) -> list[str]:
    wanted = os.environ.get(_SWITCH) == "1"
    # setuptools runs setup.py to collect requirements; mypyc is not there yet.
    os.environ.pop(_SWITCH, None)
    try:
        requires = hook(config_settings)
    finally:
        if wanted:
            os.environ[_SWITCH] = "1"
    return requires + _COMPILER if wanted else requires


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    return _requires(_setuptools.get_requires_for_build_wheel, config_settings)


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    return _requires(_setuptools.get_requires_for_build_editable, config_settings)
