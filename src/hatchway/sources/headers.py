"""Header handling shared by the sources: request headers in, response headers out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._typing import TYPE_CHECKING
from ..errors import BadRequest, InvalidEvent
from ..http import Headers
from ..log import LazyLogger, current_request

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "client_address",
    "collect_headers",
    "fold_headers",
    "forwarded_client",
    "group_response_headers",
    "header_name",
    "header_text",
    "latin1",
    "server_and_scheme",
    "utf8",
]

logger = LazyLogger("hatchway")

_DEFAULT_PORTS = {"https": 443, "http": 80}
#: Used only when neither a Host header nor a domain name says who we are.
PLACEHOLDER_HOST = "localhost"


def latin1(value: str) -> bytes:
    """Text from the event as protocol bytes. AWS hands us JSON strings;
    anything beyond latin-1 can only have arrived as UTF-8 bytes, so send those back."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return utf8(value)


def utf8(text: str, what: str = "a header, query or cookie") -> bytes:
    """``text`` as UTF-8 bytes; a lone surrogate (``"\\ud800"`` in the event's
    JSON, which no real request's bytes can produce) is the client's or the
    event author's fault: :class:`~hatchway.BadRequest`, answered 400 and logged."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(
            f"{what} holds text that is not valid Unicode (a lone surrogate): "
            f"{text[max(exc.start - 10, 0) : exc.end + 10]!r}"
        ) from None


def header_text(value: str) -> str:
    """A header value as latin-1 text, one character per byte: as it is when it
    fits, else its UTF-8 bytes read as latin-1 (what :func:`latin1` would send)."""
    if value.isascii():
        return value
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return utf8(value).decode("latin-1")
    return value


#: RFC 9110 ``token`` characters, the only ones a header name may hold.
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def header_name(name: object) -> str | None:
    """A request header name in lower case, or None when it is not an RFC 9110
    token. Checked before case-folding: ``str.lower()`` turns the Kelvin sign
    (U+212A) into ``k`` and ``str.upper()`` turns ``ß`` into ``SS``, so a
    non-ASCII name could otherwise pass for, and override, a real one."""
    if not isinstance(name, str) or not name or not name.isascii():
        return None
    # Letters, digits and "-" (nearly every real name) are checked without the set.
    if name.replace("-", "").isalnum() or _TOKEN_CHARS.issuperset(name):
        return name.lower()
    return None


#: The token characters as bytes, for ``bytes.translate`` to delete: names
#: are all tokens when nothing is left of them.
_TOKEN_BYTES = "".join(sorted(_TOKEN_CHARS)).encode("ascii")


def _plain_names(header_map: Mapping[Any, Any]) -> str | None:
    """All the names of ``header_map`` joined, when every one is a non-empty
    ASCII token (nearly every map), else None. Checked for all the names at
    once, at C speed; each of them :func:`header_name` would then only
    lower-case."""
    try:
        joined = "".join(header_map)
    except TypeError:  # a name that is not a string
        return None
    if "" in header_map or not joined.isascii():
        return None
    if joined.encode("ascii").translate(None, _TOKEN_BYTES):  # a non-token character
        return None
    return joined


def _values(value: Any) -> Iterable[str]:
    """One header's values from an event map: a string, a list of them, or null."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str):  # what REST and ALB send
            return value
        return [str(v) for v in value if v is not None]
    if value is None:
        return ()
    return (str(value),)


def _require_map(value: Any, source_name: str, field: str) -> Mapping[str, Any]:
    if type(value) is dict:  # what events hold: no abstract-class check needed
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidEvent(source_name, field, f"must be an object, not {type(value).__name__}")
    return value


def _add_headers(
    header_map: Mapping[Any, Any],
    headers: Headers,
    cookie_headers: list[str],
    dropped: list[Any],
) -> None:
    """Append the headers of one event map to ``headers``, the values of its
    ``cookie`` header to ``cookie_headers`` and the names that are no token
    to ``dropped``."""
    names = _plain_names(header_map)
    if names is not None and names == names.lower() and "cookie" not in header_map:
        # Payload 2.0 events: lower-case names, one string each, no Cookie
        # header (cookies have their own list). When every value is ASCII
        # too, there is nothing to change: all the pairs go in at C speed.
        try:
            unchanged = "".join(header_map.values()).isascii()
        except TypeError:  # a value that is not a string
            unchanged = False
        if unchanged:
            headers.extend(header_map.items())
            return
    for name, value in header_map.items():
        key = name.lower() if names is not None else header_name(name)
        if key is None:
            dropped.append(name)
            continue
        if type(value) is list and len(value) == 1 and type(value[0]) is str:
            value = value[0]  # what REST and ALB send: a list of one
        if key == "cookie":
            cookie_headers.extend(_values(value))
        elif type(value) is str:
            headers.append((key, value if value.isascii() else header_text(value)))
        else:
            headers.extend([(key, header_text(item)) for item in _values(value)])


def collect_headers(
    single: Mapping[str, Any] | None,
    multi: Mapping[str, Any] | None = None,
    cookies: Iterable[object] | None = None,
    *,
    source_name: str = "event",
) -> tuple[Headers, dict[str, str]]:
    """Request headers from an event's header maps, lower-cased, repeats kept;
    and a map of each name to its last value (for Host, X-Forwarded-*, ...).

    ``multi`` (lists of values) wins over ``single`` per name, compared
    case-insensitively; names only in ``single`` are kept: AWS keeps the two
    maps consistent, hand-made and generated events often do not. A name
    that is not an RFC 9110 token is dropped and logged (:func:`header_name`).
    Every ``cookie`` header,
    or the ``cookies`` list of an HTTP API 2.0 event when it holds any, becomes
    one ``cookie`` header joined with ``"; "``, the form every framework reads.
    A map that is neither an object nor null is a malformed event.
    """
    multi = _require_map(multi, source_name, "multiValueHeaders")
    single = _require_map(single, source_name, "headers")
    headers: Headers = []
    cookie_headers: list[str] = []
    dropped: list[Any] = []
    if multi:
        _add_headers(multi, headers, cookie_headers, dropped)
        # AWS names the same headers in both maps; otherwise add the names
        # only in ``single``.
        if single and not single.keys() <= multi.keys():
            in_multi = {header_name(name) for name in multi}
            only_single = {
                name: value
                for name, value in single.items()
                if not (isinstance(name, str) and name.lower() in in_multi)
            }
            _add_headers(only_single, headers, cookie_headers, dropped)
    elif single:
        _add_headers(single, headers, cookie_headers, dropped)
    if dropped:
        logger.warning(
            "dropped %d request header(s) whose name is not an RFC 9110 token: %s %s",
            len(dropped),
            ", ".join(repr(name)[:60] for name in dropped[:5]),
            current_request(),
        )
    # HTTP API 2.0 moves cookies into a list; an empty one says nothing, so
    # a Cookie header (a hand-made event's) still counts then.
    listed = [c for c in cookies if isinstance(c, str)] if cookies else []
    parts = listed or cookie_headers
    if parts:
        headers.append(("cookie", header_text("; ".join(parts))))
    return headers, dict(headers)


def client_address(value: Any) -> tuple[str, int] | None:
    """The ASGI ``client`` for an address field of the event (the port is not
    known: 0). Anything that cannot be an IP address or host name is dropped
    rather than handed to the app."""
    if (
        isinstance(value, str)
        and value
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        return (value, 0)
    return None


def forwarded_client(last: dict[str, str]) -> tuple[str, int] | None:
    """The address a load balancer saw: the last X-Forwarded-For entry, the one
    it appended (earlier entries are whatever the client sent). ``last`` maps
    each header name to its last value (``dict(headers)``).

    An ALB with client port preservation on writes that entry as
    ``ip:port`` (``[v6]:port`` for IPv6): the port goes into ``client``."""
    value = last.get("x-forwarded-for")
    if value is None:
        return None
    entry = value.rpartition(",")[2].strip()
    host, port = _split_host(entry)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    client = client_address(host)
    if client is None or port is None:
        return client
    return (client[0], port)


def _port(text: str) -> int | None:
    """A TCP port from header text; None unless it is 1-5 ASCII digits in range
    (``str.isdigit`` alone also accepts ``"²"``, which ``int`` refuses)."""
    if 0 < len(text) <= 5 and text.isascii() and text.isdigit():
        port = int(text)
        if 0 < port < 65536:
            return port
    return None


def _split_host(host: str) -> tuple[str, int | None]:
    """``(host, port)`` of ``name:port``, ``[v6]:port`` or either without a
    port (then None). A bare IPv6 address (more than one colon) has no port."""
    if ":" not in host:  # nearly every Host header
        return host, None
    if host.startswith("["):  # IPv6 literal, maybe with a port
        end = host.find("]")
        if end != -1:
            rest = host[end + 1 :]
            return host[: end + 1], _port(rest[1:]) if rest.startswith(":") else None
    name, sep, text = host.rpartition(":")
    port = _port(text) if sep and ":" not in name else None
    return (name, port) if port is not None else (host, None)


def server_and_scheme(
    last: dict[str, str],
    fallback_host: Any = None,
    *,
    proto_header: str | None = "x-forwarded-proto",
    port_header: str | None = "x-forwarded-port",
    default_scheme: str = "https",
) -> tuple[tuple[str, int], str]:
    """``((host, port), scheme)`` from the Host header and the headers that the
    service in front sets for scheme and port.

    ``proto_header``/``port_header`` name those headers for the source, or are
    None where the service sets none (a client's own would then be believed).
    ``last`` maps each lower-case header name to its last value
    (``dict(headers)``). Never an empty host or a missing port: WSGI requires both.
    """
    scheme = default_scheme
    if proto_header is not None:
        proto = last.get(proto_header)
        if proto is not None:
            if proto not in _DEFAULT_PORTS:
                # The last entry, should the service append to a client's value.
                proto = proto.rpartition(",")[2].strip().lower()
            if proto in _DEFAULT_PORTS:
                scheme = proto
    host_value = last.get("host")
    host: str
    port: int | None = None
    if host_value:
        host, port = _split_host(host_value.strip())
    elif isinstance(fallback_host, str) and fallback_host.isascii() and fallback_host.isprintable():
        host, port = _split_host(fallback_host)
    else:
        host = PLACEHOLDER_HOST
    if not host:
        host = PLACEHOLDER_HOST
    if port is None and port_header is not None:
        forwarded_port = last.get(port_header)
        if forwarded_port is not None:
            port = _port(forwarded_port.rpartition(",")[2].strip())
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    return (host, port), scheme


def fold_headers(
    headers: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    """Headers grouped case-insensitively under the letter case first seen, in
    one pass: ``(first, repeated, spelling)``. ``first`` has every name's first
    value; ``repeated`` every value of the names given more than once (most
    responses have none); ``spelling`` maps lower-case names to that case."""
    first: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        key = spelling.get(lower)
        if key is None:
            spelling[lower] = name
            first[name] = value
        elif key in repeated:
            repeated[key].append(value)
        else:
            repeated[key] = [first[key], value]
    return first, repeated, spelling


def group_response_headers(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Headers grouped case-insensitively, in order; each key keeps the letter
    case it first appeared with."""
    first, repeated, _ = fold_headers(headers)
    return {name: repeated.get(name) or [value] for name, value in first.items()}
