"""Pieces of response rendering that several sources share: status lines,
and Set-Cookie headers in a header map of one string per name (ALB in
single-value mode, VPC Lattice)."""

from __future__ import annotations

from ..http import Response, plain_response
from ..log import LazyLogger, current_request

__all__ = [
    "MAX_SINGLE_VALUE_COOKIES",
    "case_variants",
    "single_value_headers",
    "status_line",
    "too_many_cookies",
]

logger = LazyLogger("hatchway")

#: Status lines made so far, by code (at most the 500 valid codes).
_status_lines: dict[int, str] = {}


def status_line(status: int) -> str:
    """``"200 OK"``; codes without a standard phrase still get one."""
    line = _status_lines.get(status)
    if line is None:
        from http import HTTPStatus  # once per code: kept off the import path

        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        line = f"{status} {phrase}"
        if 100 <= status <= 599:
            _status_lines[status] = line
    return line


#: "Set-Cookie" has nine letters, so 512 spellings: the most cookies a response
#: can set through a header map of one string per name.
MAX_SINGLE_VALUE_COOKIES = 512


def too_many_cookies(grouped: dict[str, list[str]], source: str) -> Response | None:
    """A logged 500 for a response whose Set-Cookie headers a single-value
    header map cannot carry (over :data:`MAX_SINGLE_VALUE_COOKIES`), else None.
    Dropping some cookies silently would be worse: the app asked for all."""
    count = sum(len(values) for name, values in grouped.items() if name.lower() == "set-cookie")
    if count <= MAX_SINGLE_VALUE_COOKIES:
        return None
    logger.error(
        "500 Internal Server Error: %s: the response sets %d cookies; a %s response of "
        "single-value headers carries at most %d Set-Cookie headers",
        current_request(),
        count,
        source,
        MAX_SINGLE_VALUE_COOKIES,
    )
    return plain_response(500, "Internal Server Error: too many Set-Cookie headers")


def case_variants(name: str, count: int) -> list[str]:
    """``count`` spellings of ``name`` differing only in letter case, the given one first."""
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    if count > 2 ** len(letters):
        raise ValueError(f"{name!r} has only {2 ** len(letters)} letter-case spellings")
    base = name.lower()
    variants = [name]
    seen = {name}
    mask = -1
    while len(variants) < count:
        mask += 1
        chars = list(base)
        for bit, index in enumerate(letters):
            if mask >> bit & 1:
                chars[index] = chars[index].upper()
        candidate = "".join(chars)
        if candidate not in seen:
            seen.add(candidate)
            variants.append(candidate)
    return variants


def single_value_headers(grouped: dict[str, list[str]]) -> dict[str, str]:
    """A header map of one string per name: repeats joined with ``", "``, and
    each Set-Cookie under its own letter-case spelling of the name (a list of
    cookies cannot be joined). Check :func:`too_many_cookies` first."""
    headers: dict[str, str] = {}
    for name, values in grouped.items():
        if len(values) == 1:
            headers[name] = values[0]
        elif name.lower() == "set-cookie":
            headers.update(zip(case_variants(name, len(values)), values, strict=True))
        else:
            headers[name] = ", ".join(values)
    return headers
