"""hatchway's own source, loaded uncompiled beside a compiled install.

A compiled build (``HATCHWAY_MYPYC=1``, see setup.py) keeps its ``.py`` files
next to the extension modules. Loading those files as plain Python under
another package name gives the pure-Python adapter in the same process, so
both builds are timed in the same interleaved rounds. Every import inside the
package is relative, so the copy never touches the compiled modules.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["NAME", "compiled", "load"]

#: The package name the pure-Python copy is imported as.
NAME = "hatchway_pure"


def compiled() -> bool:
    """Whether the installed hatchway runs its per-invocation path compiled."""
    import hatchway.wsgi

    return not (hatchway.wsgi.__file__ or "").endswith(".py")


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds ``hatchway_pure.*`` among the installed package's ``.py`` files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != NAME and not fullname.startswith(NAME + "."):
            return None
        parts = fullname.split(".")[1:]
        where = self.root.joinpath(*parts)
        if (where / "__init__.py").is_file():
            return importlib.util.spec_from_file_location(
                fullname,
                where / "__init__.py",
                loader=importlib.machinery.SourceFileLoader(fullname, str(where / "__init__.py")),
                submodule_search_locations=[str(where)],
            )
        source = where.with_suffix(".py")
        if source.is_file():
            return importlib.util.spec_from_file_location(
                fullname, source, loader=importlib.machinery.SourceFileLoader(fullname, str(source))
            )
        return None


def load() -> ModuleType:
    """The pure-Python hatchway package (imported once)."""
    if NAME not in sys.modules:
        import hatchway

        sys.meta_path.insert(0, _SourceFinder(Path(hatchway.__file__).parent))
    return importlib.import_module(NAME)
