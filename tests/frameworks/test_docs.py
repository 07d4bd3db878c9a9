"""The documentation: code that runs, options that exist.

Every ``python`` block of the quickstart and of the migration guides runs, in
page order, in one namespace per page, as a reader would paste them. The
configuration reference must name every ``Adapter`` option, and the local
development page only options ``hatchway serve`` has.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hatchway import Adapter

DOCS = Path(__file__).resolve().parents[2] / "docs"

EXECUTED_PAGES = [
    "quickstart.md",
    *sorted(f"migration/{p.name}" for p in (DOCS / "migration").glob("*.md")),
]

_FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)

#: Modules a page's blocks import that may be missing: the page is skipped
#: with the reason instead of failing.
_NEEDS = {
    "quickstart.md": ("fastapi", "flask", "httpx"),
    "migration/mangum.md": ("fastapi", "mangum"),
    "migration/apig-wsgi.md": ("flask", "apig_wsgi"),
    "migration/serverless-wsgi.md": ("flask", "serverless_wsgi"),
}


def python_blocks(page: str) -> list[str]:
    return [match.group(1) for match in _FENCE.finditer((DOCS / page).read_text())]


def test_executed_pages_exist() -> None:
    assert set(EXECUTED_PAGES) == set(_NEEDS)
    for page in EXECUTED_PAGES:
        assert python_blocks(page), f"{page} has no python blocks"


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_page_code_runs(page: str, tmp_path: Path) -> None:
    for module in _NEEDS[page]:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'hatchway[docs]')")
    # One interpreter per page: pages configure process-wide things (env vars,
    # framework globals) exactly as a reader's function would.
    script = tmp_path / "page.py"
    parts = []
    for number, block in enumerate(python_blocks(page), 1):
        parts.append(f"# --- block {number}\n{block}")
    script.write_text("\n".join(parts))
    completed = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::DeprecationWarning",
            # Mangum (run by the migration page to compare) calls get_event_loop(),
            # which warns on Python 3.12+; that is Mangum's, not the page's.
            "-W",
            "ignore:There is no current event loop:DeprecationWarning:mangum.adapter",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, f"{page}:\n{completed.stdout}\n{completed.stderr}"


def test_configuration_names_every_adapter_option() -> None:
    text = (DOCS / "configuration.md").read_text()
    options = [name for name in inspect.signature(Adapter).parameters if name != "app"]
    missing = [name for name in options if f"`{name}`" not in text]
    assert missing == []


def test_local_development_names_only_real_serve_options() -> None:
    if importlib.util.find_spec("hatchway.local") is None:
        pytest.skip("hatchway serve is not part of this checkout")
    completed = subprocess.run(
        [sys.executable, "-m", "hatchway", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    documented = set(re.findall(r"(--[a-z][a-z-]+)", (DOCS / "local-development.md").read_text()))
    assert documented, "the page names no options"
    assert sorted(documented - set(re.findall(r"(--[a-z][a-z-]+)", completed.stdout))) == []
