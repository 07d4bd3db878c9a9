"""The response-size guard: a rendered response over the service's limit is
answered with a logged 500 instead of an opaque failure in AWS.

Lambda refuses a synchronous result over 6 MB (the invoke fails and the
client gets the gateway's generic error); an ALB target's response is limited
to 1 MB; Lambda@Edge generated responses to 40 KB (viewer) or 1 MB (origin).
"""

from __future__ import annotations

import sys

from ._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = ["SYNC_INVOKE_LIMIT", "fits", "serialized_size"]

#: The synchronous invocation payload limit, in bytes (6 MB as Lambda counts it).
SYNC_INVOKE_LIMIT = 6_291_556

# The runtime client escapes non-ASCII text as \uXXXX before Python 3.12 and
# sends it as UTF-8 from 3.12 on; measure the way it serialises.
_ENSURE_ASCII = sys.version_info < (3, 12)
#: The most bytes one character of a body can take once serialised (\uXXXX).
_WORST_EXPANSION = 6
#: Room for the status, flags and punctuation around body and headers.
_FRAME = 1024


def serialized_size(result: Any) -> int:
    """The size of ``result`` as the runtime client sends it."""
    import json  # only for responses near the limit: kept off the import path

    text = json.dumps(result, ensure_ascii=_ENSURE_ASCII)
    return len(text) if _ENSURE_ASCII else len(text.encode("utf-8"))


def fits(result: dict[str, Any], headers: list[tuple[str, str]], limit: int) -> tuple[bool, int]:
    """Whether ``result`` (rendered from a response with ``headers``) is within
    ``limit`` bytes, and its size when measured.

    Serialising costs as much as the response is large, so it only happens when
    a cheap upper bound is over the limit; the size is ``0`` when it was not
    needed. A base64 body serialises to its own length (its alphabet needs no
    escaping); a text body is bounded by every character at its worst escape.
    """
    body = result.get("body")
    body_chars = len(body) if isinstance(body, str) else 0
    header_chars = 0
    for name, value in headers:  # a plain loop: cheaper than sum/map/chain for a few
        header_chars += len(name) + len(value)
    # isBase64Encoded for API Gateway, ALB, Lattice; bodyEncoding for Lambda@Edge.
    if result.get("isBase64Encoded") is True or result.get("bodyEncoding") == "base64":
        bound = body_chars + (header_chars * _WORST_EXPANSION) + _FRAME
    else:
        bound = (body_chars + header_chars) * _WORST_EXPANSION + _FRAME
    if bound <= limit:
        return True, 0
    size = serialized_size(result)
    return size <= limit, size
