"""Fixtures for every test; the helpers themselves are the ``helpers`` package."""

from __future__ import annotations

import pytest

from helpers import Context


@pytest.fixture
def context() -> Context:
    return Context()
