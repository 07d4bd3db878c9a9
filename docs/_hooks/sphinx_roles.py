"""An mkdocs hook: render the Sphinx roles in hatchway's docstrings as code.

The docstrings cross-reference with ``:class:`~hatchway.errors.InvalidEvent```
and the like; mkdocstrings leaves the role text in place. This turns each into
plain code naming the object, shortened as ``~`` asks.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):<code>(~?)([^<]+)</code>")


def _replace(match: re.Match[str]) -> str:
    shorten, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if shorten else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_replace, html)
