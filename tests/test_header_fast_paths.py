"""collect_headers takes shortcuts for the header maps AWS sends (plain dicts of
ASCII strings; REST's two maps saying the same). Each shortcut must give
exactly what the general loop gives, which a read-only mapping always takes."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hatchway.sources._headers import LOOKED_UP, collect_headers

NAMES = st.sampled_from(
    [
        "host",
        "Host",
        "accept",
        "Accept",
        "cookie",
        "Cookie",
        "x-a",
        "X-A",
        "x_b",
        "X-Forwarded-For",
        "x-forwarded-proto",
        "é-x",
        "A\nb",
        "b",
    ]
)
TEXT = st.one_of(
    st.sampled_from(["", "a", "text/html", "a=1; b=2", "caf\u00e9", "\u20ac", " x "]),
    st.text(max_size=8),
)
VALUE = st.one_of(TEXT, st.lists(TEXT, max_size=3), st.none(), st.integers(0, 9))
MAPS = st.dictionaries(NAMES, VALUE, max_size=8)
COOKIES = st.one_of(st.none(), st.lists(st.one_of(TEXT, st.none()), max_size=3))


def general(single: Any, multi: Any, cookies: Any) -> Any:
    wrap = lambda m: MappingProxyType(m) if isinstance(m, dict) else m  # noqa: E731
    return collect_headers(wrap(single), wrap(multi), cookies)


@given(MAPS, COOKIES)
def test_one_map_matches_the_general_loop(single: dict[str, Any], cookies: Any) -> None:
    headers, last = collect_headers(single, None, cookies)
    expected, expected_last = general(single, None, cookies)
    assert headers == expected
    for name in LOOKED_UP:
        assert last.get(name) == expected_last.get(name)


@given(MAPS, st.booleans())
def test_rest_maps_match_the_general_loop(single: dict[str, Any], repeat: bool) -> None:
    # REST sends both maps; multiValueHeaders has every value in a list.
    multi = {name: [value] for name, value in single.items()}
    if repeat and multi:
        multi[next(iter(multi))].append("again")
    headers, last = collect_headers(single, multi)
    expected, expected_last = general(single, multi, None)
    assert headers == expected
    for name in LOOKED_UP:
        assert last.get(name) == expected_last.get(name)


def test_the_shortcuts_keep_what_aws_sends() -> None:
    rest_single = {"Host": "h", "Cookie": "a=1", "X-A": "1"}
    rest_multi = {"Host": ["h"], "Cookie": ["a=1"], "X-A": ["1", "2"]}
    assert collect_headers(rest_single, rest_multi)[0] == [
        ("host", "h"),
        ("x-a", "1"),
        ("x-a", "2"),
        ("cookie", "a=1"),
    ]
    http_api = {"host": "h", "cookie": "ignored when cookies[] is there"}
    headers, last = collect_headers(http_api, None, ["a=1", "b=2"])
    assert headers == [("host", "h"), ("cookie", "a=1; b=2")]
    assert last["host"] == "h"


def test_names_holding_the_separator_never_pass_for_others() -> None:
    # Known name sets are remembered by their "\n"-joined text; these two
    # join to the same text and count but are different names.
    first = {"X-A": "1", "B": "2", "C": "3"}
    assert collect_headers(first)[0] == [("x-a", "1"), ("b", "2"), ("c", "3")]
    assert collect_headers({"X-A\nB": "1", "C": "2"})[0] == [("x-a\nb", "1"), ("c", "2")]
    assert collect_headers({"X-A": "1", "B\nC": "2"})[0] == [("x-a", "1"), ("b\nc", "2")]
    assert collect_headers(first)[0] == [("x-a", "1"), ("b", "2"), ("c", "3")]
