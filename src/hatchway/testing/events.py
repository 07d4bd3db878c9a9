"""Events from plain HTTP requests and HTTP responses from result dicts, per source."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from ..http import Response
from ..sources import builtin_gateway, gateway_names
from ..sources.base import ClientRequest, Gateway, GatewaySettings

__all__ = [
    "DEFAULT_CLIENT",
    "HeadersArg",
    "build_event",
    "client_request",
    "gateway_for",
    "gateway_names",
    "make_settings",
    "read_response",
]

#: The peer address requests come from unless a test says otherwise.
DEFAULT_CLIENT = ("127.0.0.1", 50000)
_DEFAULT_HOST = "api.example.com"
# Characters left as they are when a test writes a URL by hand: everything
# printable in ASCII except space; "%" too, so escapes already there stay.
_TARGET_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>\\^`{|}')

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]] | None


def gateway_for(source: str | Gateway) -> Gateway:
    """The gateway side of a source, by name (``"apigw-http"``) or as an object."""
    if isinstance(source, str):
        return builtin_gateway(source)
    if not isinstance(source, Gateway):
        raise TypeError(f"{source!r} has no gateway direction (build_event/read_response)")
    return source


def make_settings(settings: GatewaySettings | None, options: Mapping[str, Any]) -> GatewaySettings:
    """``settings`` as given, or built from keyword options; never both."""
    if settings is not None:
        if options:
            raise TypeError(f"pass either settings= or {', '.join(options)}, not both")
        return settings
    return GatewaySettings(**options)


def client_request(
    method: str,
    url: str,
    *,
    headers: HeadersArg = None,
    body: bytes | str = b"",
    json: Any = None,
    client: tuple[str, int] = DEFAULT_CLIENT,
) -> ClientRequest:
    """The request a client would put on the wire for ``method url``.

    ``url`` is absolute (``https://api.example.com/a?b=1``) or a path; either
    way it is sent as written, with only spaces, non-ASCII and characters
    never valid in a URL percent-encoded. A Host header comes from the URL
    unless given; ``json`` sets the body and a JSON Content-Type.
    """
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe=_TARGET_SAFE)
    if parts.query or url.endswith("?"):
        target += "?" + quote(parts.query, safe=_TARGET_SAFE)
    if isinstance(headers, Mapping):
        pairs = [(str(k), str(v)) for k, v in headers.items()]
    else:
        pairs = [(str(k), str(v)) for k, v in headers or ()]
    names = {name.lower() for name, _ in pairs}
    if json is not None:
        if body:
            raise TypeError("pass either body= or json=, not both")
        body = jsonlib.dumps(json).encode("utf-8")
        if "content-type" not in names:
            pairs.append(("Content-Type", "application/json"))
    if isinstance(body, str):
        body = body.encode("utf-8")
    if "host" not in names:
        pairs.insert(0, ("Host", parts.netloc or _DEFAULT_HOST))
    if body and "content-length" not in names:
        pairs.append(("Content-Length", str(len(body))))
    return ClientRequest(
        method.upper(), target, pairs, body, client=client, scheme=parts.scheme or "https"
    )


def build_event(
    source: str | Gateway,
    method: str,
    url: str,
    *,
    headers: HeadersArg = None,
    body: bytes | str = b"",
    json: Any = None,
    client: tuple[str, int] = DEFAULT_CLIENT,
    settings: GatewaySettings | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The event ``source`` sends its function when a client requests ``method url``.

    ``source`` is a name: ``"apigw-rest"``, ``"apigw-http"``,
    ``"function-url"``, ``"alb"`` (and any other built-in source with a
    gateway direction). Gateway options (``stage``, ``stage_in_url``,
    ``base_path``, ``binary_media_types``, ``multi_value``, ``request_id``,
    ``time``, ``domain_name``) are those of
    :class:`~hatchway.sources.base.GatewaySettings`. Raises
    :class:`~hatchway.sources.base.GatewayError` when the gateway would answer
    by itself (a URL outside the stage or base path).
    """
    gateway = gateway_for(source)
    request = client_request(method, url, headers=headers, body=body, json=json, client=client)
    return gateway.build_event(request, make_settings(settings, options))


def read_response(
    source: str | Gateway,
    result: Any,
    *,
    request: ClientRequest | None = None,
    settings: GatewaySettings | None = None,
    **options: Any,
) -> Response:
    """The HTTP response ``source`` delivers for the function's ``result``:
    status, headers (every Set-Cookie) and body bytes.

    ``result`` is the response dict, or the bytes of a streamed response
    (a JSON prelude with the status, headers and cookies, eight NUL bytes,
    the body), as ``Adapter(app, streaming=...)`` sends it under hatchway's
    runtime loop. ``request`` is the request answered (REST APIs look at its
    Accept header); by default a plain GET. Raises
    :class:`~hatchway.sources.base.MalformedResponse` (status 502) for a
    result the gateway would reject.
    """
    gateway = gateway_for(source)
    if isinstance(result, (bytes, bytearray)):
        # A streamed response: the prelude, eight NUL bytes, the body.
        from ..streaming import read_streamed

        return read_streamed(bytes(result), gateway.name)
    if request is None:
        request = client_request("GET", "/")
    return gateway.read_response(result, request, make_settings(settings, options))
