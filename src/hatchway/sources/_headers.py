"""Header handling shared by the sources: request headers in, response headers out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._typing import TYPE_CHECKING
from ..errors import InvalidEvent
from ..http import Headers

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "client_address",
    "collect_headers",
    "fold_headers",
    "forwarded_client",
    "group_response_headers",
    "header_text",
    "latin1",
    "server_and_scheme",
]

_DEFAULT_PORTS = {"https": 443, "http": 80}
#: What X-Forwarded-Port nearly always says, read without parsing.
_DEFAULT_PORT_TEXT = {"443": 443, "80": 80}
#: Used only when neither a Host header nor a domain name says who we are.
PLACEHOLDER_HOST = "localhost"


def latin1(value: str) -> bytes:
    """Text from the event as protocol bytes. AWS hands us JSON strings;
    anything beyond latin-1 can only have arrived as UTF-8 bytes, so send those back."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def header_text(value: str) -> str:
    """A header value as latin-1 text, one character per byte: as it is when it
    fits, else its UTF-8 bytes read as latin-1 (what :func:`latin1` would send)."""
    if value.isascii():
        return value
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


def _values(value: Any) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return (str(value),)


#: Header names as events spell them -> lower-case latin-1 text.
_header_keys: dict[str, str] = {}


def _key(name: str) -> str:
    key = _header_keys.get(name)
    if key is None:
        key = header_text(name.lower())
        if len(_header_keys) < 1024:  # names come from clients: keep the cache bounded
            _header_keys[name] = key
    return key


def collect_headers(
    single: Mapping[str, Any] | None,
    multi: Mapping[str, Any] | None = None,
    cookies: Iterable[object] | None = None,
    *,
    source_name: str = "event",
) -> tuple[Headers, dict[str, str]]:
    """Request headers from an event's header maps, lower-cased, repeats kept;
    and a map for looking up the last value of the names in ``LOOKED_UP`` (it
    may hold other names too).

    ``multi`` (lists of values) wins over ``single`` when present. Several
    ``cookie`` headers, and a ``cookies`` list (HTTP API 2.0), become one
    ``cookie`` header joined with ``"; "``, the form every framework reads.
    A map that is neither an object nor null is a malformed event.
    """
    if single is not None and type(single) is not dict and not isinstance(single, Mapping):
        raise InvalidEvent(
            source_name, "headers", f"must be an object, not {type(single).__name__}"
        )
    if multi is not None and type(multi) is not dict and not isinstance(multi, Mapping):
        raise InvalidEvent(
            source_name, "multiValueHeaders", f"must be an object, not {type(multi).__name__}"
        )
    source = multi if multi else single
    # The fast path: ASCII names with one ASCII string each, what HTTP APIs
    # and Function URLs send, and REST APIs and ALBs (in lists of one) unless
    # a name repeats. Checked and copied at C speed, no Python loop per header.
    values: Iterable[Any] | None = None
    #: The map itself when it is a plain dict (what events hold).
    plain: dict[str, Any] | None = source if type(source) is dict else None
    if plain is not None:
        if plain is single:
            values = plain.values()
        else:
            try:  # a list of one each: as many values as names
                values = [items[0] for items in plain.values() if len(items) == 1]
            except (TypeError, KeyError):  # a value that is not a list
                values = None
            if values is not None and len(values) != len(plain):
                values = None
    if not source:
        headers: Headers = []
        last: dict[str, str] = {}
    elif (
        values is not None and (known := _ascii_names(source)) is not None and _ascii_values(values)
    ):
        if known.lower and plain is not None and plain is single:
            headers = list(plain.items())
            last = plain  # already the lookup map
            cookie = last.get("cookie")
            if cookie is not None:  # one cookie header: it goes last, merged
                headers.remove(("cookie", cookie))
                if cookies is None:
                    cookies = [cookie]
        elif known.unique:
            # Where the cookie and the looked-up names sit is known from the
            # name set: no dict of every header.
            if type(values) is not list:  # dict values: a list to index (REST's is one)
                values = list(values)
            if known.cookie >= 0:
                cookie = values.pop(known.cookie)
                if cookies is None:
                    cookies = [cookie]
            headers = list(zip(known.kept, values, strict=True))
            last = {name: values[index] for name, index in known.lookups}
        else:  # "Host" and "host" in one map
            headers = list(zip(known.names, values, strict=True))
            last = dict(headers)
            if "cookie" in last:
                if cookies is None:
                    cookies = [value for name, value in headers if name == "cookie"]
                headers = [item for item in headers if item[0] != "cookie"]
    else:
        headers = []
        append = headers.append
        cookie_parts: list[str] = []
        keys = _header_keys
        for name, value in source.items():
            key = keys.get(name) or _key(name)
            if key == "cookie":
                if cookies is None:
                    cookie_parts.extend(_values(value))
                continue
            # The shapes AWS sends (a string, or a list of one) skip _values().
            if type(value) is list and len(value) == 1:
                value = value[0]
            if type(value) is str:
                append((key, value if value.isascii() else header_text(value)))
            else:
                headers.extend((key, header_text(item)) for item in _values(value))
        if cookie_parts:
            cookies = cookie_parts if cookies is None else [*cookie_parts, *cookies]
        last = dict(headers)
    if cookies:
        parts = [c for c in cookies if isinstance(c, str)]
        if parts:
            joined = "; ".join(parts)
            headers.append(("cookie", joined if joined.isascii() else header_text(joined)))
    return headers, last


#: The names the sources look up in the map ``collect_headers`` returns
#: (``cloudfront-forwarded-proto``: Lambda@Edge's scheme).
LOOKED_UP = (
    "host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-for",
    "cloudfront-forwarded-proto",
)


class _NameSet:
    """What one list of ASCII header names (in event order) always gives, worked
    out once: the lower-case names, whether they were so already, and where the
    cookie header and the looked-up headers sit when no name repeats."""

    __slots__ = ("cookie", "kept", "lookups", "lower", "names", "unique")

    def __init__(self, names: tuple[str, ...], lower: bool) -> None:
        self.names = names
        self.lower = lower
        self.unique = len(set(names)) == len(names)
        #: The cookie header's index (-1: none), and the other names in order.
        self.cookie = names.index("cookie") if "cookie" in names else -1
        self.kept = tuple(name for name in names if name != "cookie")
        #: (name, index among the kept names) of each looked-up name present.
        self.lookups = tuple((name, self.kept.index(name)) for name in LOOKED_UP if name in names)


#: Header name sets seen before (names in event order) -> what they give.
#: Requests from one kind of client send the same names in the same order, so
#: the names are checked and lower-cased once. A tuple of the names is a cheap
#: key: its hash combines the names' own, which the event's dict has already.
_name_sets: dict[tuple[Any, ...], _NameSet] = {}


def _ascii_names(headers: Mapping[str, Any]) -> _NameSet | None:
    """The names as a :class:`_NameSet` when every name is ASCII text; None otherwise."""
    names = tuple(headers)
    known = _name_sets.get(names)
    if known is not None:
        return known
    try:
        joined = "".join(names)
    except TypeError:  # a name that is not a string
        return None
    if not joined.isascii():
        return None
    lower = tuple([name.lower() for name in names])  # for ASCII, all that _key() does
    known = _NameSet(lower, lower == names)
    if len(_name_sets) < 256:  # bounded: clients pick the names
        _name_sets[names] = known
    return known


def _ascii_values(values: Iterable[Any]) -> bool:
    """Whether every value is ASCII text; a join does the checking at C speed."""
    try:
        return "".join(values).isascii()
    except TypeError:  # a value that is not a string
        return False


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
    each header name to its last value (``dict(headers)``)."""
    value = last.get("x-forwarded-for")
    if value is None:
        return None
    return client_address(value.rpartition(",")[2].strip())


def _port(text: str) -> int | None:
    """A TCP port from header text; None unless it is 1-5 ASCII digits in range
    (``str.isdigit`` alone also accepts ``"²"``, which ``int`` refuses)."""
    if 0 < len(text) <= 5 and text.isascii() and text.isdigit():
        port = int(text)
        if 0 < port < 65536:
            return port
    return None


def _split_host(host: str) -> tuple[str, int | None]:
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
    trust_forwarded_proto: bool = True,
    default_scheme: str = "https",
) -> tuple[tuple[str, int], str]:
    """``((host, port), scheme)`` from Host, X-Forwarded-Proto and X-Forwarded-Port.

    ``last`` maps each lower-case header name to its last value
    (``dict(headers)``). Never an empty host or a missing port: WSGI requires both.
    """
    scheme = default_scheme
    if trust_forwarded_proto:
        proto = last.get("x-forwarded-proto")
        if proto is not None:
            if proto not in _DEFAULT_PORTS:  # as sent nearly always: "https"
                proto = proto.strip().lower()
            if proto in _DEFAULT_PORTS:
                scheme = proto
    host_value = last.get("host")
    host: str
    port: int | None = None
    if host_value:
        host = host_value.strip()
        if ":" in host:  # a port, or an IPv6 literal
            host, port = _split_host(host)
    elif isinstance(fallback_host, str) and fallback_host.isascii() and fallback_host.isprintable():
        host, port = _split_host(fallback_host)
    else:
        host = PLACEHOLDER_HOST
    if not host:
        host = PLACEHOLDER_HOST
    if port is None:
        forwarded_port = last.get("x-forwarded-port")
        if forwarded_port is not None:
            port = _DEFAULT_PORT_TEXT.get(forwarded_port) or _port(forwarded_port.strip())
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
    # isinstance, not a type() check: it keeps the item type, so a compiled
    # build unpacks the pairs and lower-cases the names without method calls.
    if isinstance(headers, list):
        spelling = {name.lower(): name for name, _ in headers}
        if len(spelling) == len(headers):  # no name twice: two passes at C speed
            return dict(headers), {}, spelling
    first: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    spelling = {}
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
