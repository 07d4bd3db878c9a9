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

pytestmark = pytest.mark.subprocess

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


ROOT = DOCS.parent

#: ``::: target`` lines of an mkdocstrings page.
_AUTODOC = re.compile(r"^::: *(\S+)", re.MULTILINE)


def test_reference_documents_only_the_public_api() -> None:
    import hatchway.testing

    public = {f"hatchway.{name}" for name in hatchway.__all__}
    public |= {f"hatchway.testing.{name}" for name in hatchway.testing.__all__}
    # Whole public modules, and the protocol's home for custom sources.
    public |= {"hatchway.errors", "hatchway.testing.pytest_plugin", "hatchway.sources.Source"}
    targets = _AUTODOC.findall((DOCS / "reference.md").read_text())
    assert targets, "the reference documents nothing"
    assert [t for t in targets if t not in public] == []


def test_readme_links_point_at_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert local, "the README links nothing in the repository"
    assert [link for link in local if not (ROOT / link).exists()] == []


def test_readme_lists_every_builtin_source() -> None:
    text = (ROOT / "README.md").read_text()
    for label in (
        "REST APIs",
        "HTTP APIs",
        "Function URLs",
        "Application Load Balancers",
        "Lambda@Edge",
        "VPC Lattice",
    ):
        assert label in text


@pytest.mark.parametrize(
    "requirements",
    sorted((ROOT / "examples").glob("*/requirements.txt")),
    ids=lambda p: p.parent.name,
)
def test_example_requirements_find_hatchway_before_it_is_published(requirements: Path) -> None:
    # Until hatchway is on PyPI, a bare "hatchway" line fails: each example
    # names a --find-links folder, which pip reads relative to the file.
    lines = [line.strip() for line in requirements.read_text().splitlines()]
    assert "hatchway" in lines
    links = [line.split(None, 1)[1] for line in lines if line.startswith("--find-links ")]
    assert len(links) == 1, "no --find-links line for hatchway's wheel"
    folder = (requirements.parent / links[0]).resolve()
    if requirements.parent.name == "container":
        # The image is built from the example's folder: the Dockerfile copies
        # dist/ in beside requirements.txt.
        assert folder == requirements.parent / "dist"
        dockerfile = (requirements.parent / "Dockerfile").read_text()
        assert "COPY dist/ ${LAMBDA_TASK_ROOT}/dist/" in dockerfile
    else:
        # The checkout's dist/, where `pip wheel --no-deps -w dist .` puts it.
        assert folder == ROOT / "dist"
