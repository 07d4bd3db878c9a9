"""Header handling shared by the sources: request headers in, response headers out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..http import Headers

__all__ = [
    "collect_headers",
    "group_response_headers",
    "header_value",
    "latin1",
    "server_and_scheme",
]

_DEFAULT_PORTS = {"https": 443, "http": 80}
#: Used only when neither a Host header nor a domain name says who we are.
PLACEHOLDER_HOST = "localhost"


def latin1(value: str) -> bytes:
    """Header text as ASGI bytes. AWS hands us JSON strings; anything beyond
    latin-1 can only have arrived as UTF-8 bytes, so send those back."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _values(value: Any) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return (str(value),)


def collect_headers(
    single: Mapping[str, Any] | None,
    multi: Mapping[str, Any] | None = None,
    cookies: Iterable[str] | None = None,
) -> Headers:
    """Request headers from an event's header maps, lower-cased, repeats kept.

    ``multi`` (lists of values) wins over ``single`` when present. Several
    ``cookie`` headers, and a ``cookies`` list (HTTP API 2.0), become one
    ``cookie`` header joined with ``"; "``, the form every framework reads.
    """
    source = multi if multi else single
    headers: Headers = []
    cookie_parts: list[str] = []
    if source:
        for name, value in source.items():
            lower = name.lower()
            if lower == "cookie":
                if cookies is None:
                    cookie_parts.extend(_values(value))
                continue
            key = latin1(lower)
            for item in _values(value):
                headers.append((key, latin1(item)))
    if cookies:
        cookie_parts.extend(c for c in cookies if isinstance(c, str))
    if cookie_parts:
        headers.append((b"cookie", latin1("; ".join(cookie_parts))))
    return headers


def header_value(headers: Headers, name: bytes) -> bytes | None:
    """The last value of a lower-case header name (the one a proxy appended last)."""
    found = None
    for key, value in headers:
        if key == name:
            found = value
    return found


def _split_host(host: str) -> tuple[str, int | None]:
    if host.startswith("["):  # IPv6 literal, maybe with a port
        end = host.find("]")
        if end != -1:
            rest = host[end + 1 :]
            port = rest[1:] if rest.startswith(":") else ""
            return host[: end + 1], int(port) if port.isdigit() else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return host, None


def server_and_scheme(
    headers: Headers,
    fallback_host: Any = None,
    *,
    trust_forwarded_proto: bool = True,
    default_scheme: str = "https",
) -> tuple[tuple[str, int], str]:
    """``((host, port), scheme)`` from Host, X-Forwarded-Proto and X-Forwarded-Port.

    Never an empty host or a missing port: WSGI requires both.
    """
    scheme = default_scheme
    host_value = None
    forwarded_port = None
    for key, value in headers:
        if key == b"host":
            host_value = value
        elif key == b"x-forwarded-proto" and trust_forwarded_proto:
            proto = value.decode("latin-1").strip().lower()
            if proto in _DEFAULT_PORTS:
                scheme = proto
        elif key == b"x-forwarded-port":
            forwarded_port = value
    host: str
    port: int | None = None
    if host_value:
        host, port = _split_host(host_value.decode("latin-1").strip())
    elif isinstance(fallback_host, str) and fallback_host:
        host, port = _split_host(fallback_host)
    else:
        host = PLACEHOLDER_HOST
    if not host:
        host = PLACEHOLDER_HOST
    if port is None and forwarded_port is not None:
        text = forwarded_port.decode("latin-1").strip()
        if text.isdigit():
            port = int(text)
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    return (host, port), scheme


def group_response_headers(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Response headers grouped case-insensitively, in order; each key keeps the
    letter case it first appeared with."""
    grouped: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        key = keys.get(lower)
        if key is None:
            keys[lower] = name
            grouped[name] = [value]
        else:
            grouped[key].append(value)
    return grouped
