"""What every framework app in this package serves, route by route.

Each app module builds the same little API in its framework's own idiom, so one
table of checks (``test_matrix.py``) can drive all of them through every event
source and mount point:

=================  ======  ==========================================================
route              method  answer
=================  ======  ==========================================================
/items/{name}      GET     ``{"name": name}`` (the decoded path parameter)
/search            GET     ``{"q": q, "tags": [tag, ...]}`` from the query string
/echo              POST    ``{"json": body}`` for a JSON body
/form              POST    ``{"name": ..., "note": ...}`` from a urlencoded form
/upload            POST    ``{"label", "filename", "size", "sha256"}`` of a multipart upload
/download          GET     ``DOWNLOAD`` as ``application/octet-stream``
/cookies           GET     ``{"cookies": {...}}`` of the request; sets two cookies
/redirect          GET     a redirect to the URL of ``/items/there``, built by the router
/url               GET     ``{"url": ...}``: the absolute URL of ``/items/linked``
/startup           GET     ``{"startups": n}``: how often the startup hook ran
/error             GET     raises ``RuntimeError``: the framework or hatchway answers 500
=================  ======  ==========================================================
"""

from __future__ import annotations

import hashlib

#: The binary body /download returns: every byte value, so any text mangling shows.
DOWNLOAD = bytes(range(256)) * 4

#: The two cookies /cookies sets, in order.
SET_COOKIES = (("first", "1"), ("second", "2"))

#: The item /redirect points at and the one /url links to.
REDIRECT_TARGET = "there"
LINK_TARGET = "linked"


def digest(data: bytes) -> str:
    """The checksum /upload reports for the uploaded file."""
    return hashlib.sha256(data).hexdigest()


class StartupCounter:
    """Counts how often an app's startup hook ran in this process."""

    def __init__(self) -> None:
        self.count = 0

    def started(self) -> None:
        self.count += 1
