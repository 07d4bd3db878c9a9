"""`hatchway serve` as a real subprocess, for every --source and both runtimes,
queried over HTTP with httpx."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from hatchway.sources import BUILTIN_SOURCES
from hatchway.sources.base import Gateway
from helpers.local_process import ServeProcess, target

pytestmark = pytest.mark.subprocess

pytest.importorskip("werkzeug")

_HAS_GATEWAY = {s.name for s in BUILTIN_SOURCES if isinstance(s, Gateway)}
_HAS_RIC = pytest.importorskip("importlib.util").find_spec("awslambdaric") is not None

# source, extra arguments, the path prefix URLs carry, the tags ?tag=a&tag=b reach the app as
SOURCES = [
    ("apigw-http", ["--stage", "dev"], "/dev", ["a", "b"]),
    ("apigw-rest", ["--stage", "prod"], "/prod", ["a", "b"]),
    ("function-url", [], "", ["a", "b"]),
    # single-value mode: the load balancer keeps only the last of repeated keys
    ("alb", [], "", ["b"]),
    ("alb-multi", [], "", ["a", "b"]),
    ("lambda-edge", [], "", ["a", "b"]),
    ("vpc-lattice", [], "", ["a", "b"]),
]
RUNTIMES = ["inprocess", "ric"]


def _cases() -> list[object]:
    cases = []
    for source, args, prefix, tags in SOURCES:
        for runtime in RUNTIMES:
            marks = []
            base = "alb" if source == "alb-multi" else source
            if base not in _HAS_GATEWAY:
                marks.append(pytest.mark.skip(reason=f"{base} has no gateway direction yet"))
            if runtime == "ric" and not _HAS_RIC:
                marks.append(pytest.mark.skip(reason="awslambdaric is not installed"))
            cases.append(
                pytest.param(
                    source, args, prefix, tags, runtime, id=f"{source}-{runtime}", marks=marks
                )
            )
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def servers() -> Iterator[Callable[[str, list[str], str], ServeProcess]]:
    """Every server of this module, all started at once (their imports overlap)
    and all stopped at the end, also when a test failed."""
    started: dict[tuple[str, str], ServeProcess] = {}
    for case in CASES:
        source, args, _, _, runtime = case.values  # type: ignore[attr-defined]
        if case.marks:  # type: ignore[attr-defined]
            continue
        started[source, runtime] = ServeProcess(
            [target("asgi_app.py") + ":app", "--source", source, "--runtime", runtime, *args]
        )
    ready: set[tuple[str, str]] = set()

    def get(source: str, args: list[str], runtime: str) -> ServeProcess:
        server = started[source, runtime]
        if (source, runtime) not in ready:
            server.ready()
            ready.add((source, runtime))
        return server

    try:
        yield get
    finally:
        for server in started.values():
            server.terminate()  # all at once: each may wait for its runtime to stop
        for server in started.values():
            server.stop()


def _client(server: ServeProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30, trust_env=False)


ALL = pytest.mark.parametrize(("source", "args", "prefix", "tags", "runtime"), CASES)
STAGED = pytest.mark.parametrize(
    ("source", "args", "prefix", "tags", "runtime"),
    [case for case in CASES if case.values[2]],  # type: ignore[attr-defined]
)


@ALL
def test_non_ascii_path_and_repeated_query(servers, source, args, prefix, tags, runtime):
    with _client(servers(source, args, runtime)) as client:
        response = client.get(f"{prefix}/items/café", params=[("tag", "a"), ("tag", "b")])
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "café"
    assert response.json()["tags"] == tags


@ALL
def test_cookie_sent(servers, source, args, prefix, tags, runtime):
    with _client(servers(source, args, runtime)) as client:
        response = client.get(f"{prefix}/items/x", headers={"Cookie": "a=1; b=two"})
    assert response.json()["cookies"] == {"a": "1", "b": "two"}


@ALL
def test_post_json(servers, source, args, prefix, tags, runtime):
    with _client(servers(source, args, runtime)) as client:
        response = client.post(f"{prefix}/json", json={"n": 1, "text": "ünïcode"})
    assert response.status_code == 201
    assert response.json() == {"received": {"n": 1, "text": "ünïcode"}}


@ALL
def test_binary_body_echoed_byte_for_byte(servers, source, args, prefix, tags, runtime):
    body = bytes(range(256)) + os.urandom(4096)
    with _client(servers(source, args, runtime)) as client:
        response = client.post(
            f"{prefix}/echo", content=body, headers={"Content-Type": "application/octet-stream"}
        )
    assert response.status_code == 200
    assert response.content == body


@ALL
def test_two_set_cookie_headers(servers, source, args, prefix, tags, runtime):
    with _client(servers(source, args, runtime)) as client:
        response = client.get(f"{prefix}/cookies")
    cookies = response.headers.get_list("set-cookie")
    assert [c.split(";")[0] for c in cookies] == ["first=1", "second=2"]


@ALL
def test_url_generated_by_the_app(servers, source, args, prefix, tags, runtime):
    server = servers(source, args, runtime)
    with _client(server) as client:
        url = client.get(f"{prefix}/link").json()["url"]
    assert urlsplit(url).path == f"{prefix}/items/x"
    if source == "apigw-rest":  # the scheme from X-Forwarded-Proto: this server's own URL
        assert url == f"{server.base_url}/prod/items/x"


@ALL
def test_not_found(servers, source, args, prefix, tags, runtime):
    with _client(servers(source, args, runtime)) as client:
        response = client.get(f"{prefix}/no/such/page")
    assert response.status_code == 404


@STAGED
def test_url_outside_the_stage_gets_the_gateways_own_answer(
    servers, source, args, prefix, tags, runtime
):
    """Outside the stage a REST API answers 403 and an HTTP API 404, never invoking."""
    expected = {
        "apigw-rest": (403, {"message": "Forbidden"}),
        "apigw-http": (404, {"message": "Not Found"}),
    }[source]
    with _client(servers(source, args, runtime)) as client:
        response = client.get("/elsewhere/items/x")
    assert (response.status_code, response.json()) == expected
