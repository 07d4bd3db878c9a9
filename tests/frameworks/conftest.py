"""The framework matrix's marker: ``full_matrix`` rows are the frameworks beyond
the quick default set (FastAPI, Flask, Django). ``pytest -m "not full_matrix"``
skips them; a plain ``pytest`` runs everything."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "full_matrix: framework-matrix rows beyond the quick default set"
    )
