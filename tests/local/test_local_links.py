"""Redirects work locally on every source: the app builds ``https://`` links on
the sources AWS serves over https only (apigw-http, function-url,
lambda-edge); the plain-HTTP local server sends its own address back as
``http://`` so a client following the redirect (``curl -L``, a browser)
arrives. The events themselves stay as in AWS."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import httpx
import pytest

from hatchway.local.server import plain_http_links
from helpers.local_process import ServeProcess, target

pytestmark = pytest.mark.subprocess

pytest.importorskip("werkzeug")

# source, extra arguments, the path prefix of its URLs
SOURCES = [
    ("apigw-http", [], ""),
    ("apigw-http", ["--stage", "dev"], "/dev"),
    ("apigw-rest", ["--stage", "prod"], "/prod"),
    ("function-url", [], ""),
    ("alb", [], ""),
    ("alb-multi", [], ""),
    ("lambda-edge", [], ""),
    ("vpc-lattice", [], ""),
]
_HAS_RIC = importlib.util.find_spec("awslambdaric") is not None


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServeProcess]]:
    started = {
        " ".join([source, *extra]): ServeProcess(
            [target("redirect_app.py") + ":app", "--source", source, *extra]
        )
        for source, extra, _ in SOURCES
    }
    if _HAS_RIC:
        started["apigw-http ric"] = ServeProcess(
            [target("redirect_app.py") + ":app", "--runtime", "ric"]
        )
    try:
        for server in started.values():
            server.ready()
        yield started
    finally:
        for server in started.values():
            server.terminate()
        for server in started.values():
            server.stop()


@pytest.mark.parametrize(
    ("source", "extra", "prefix"),
    [pytest.param(*case, id=" ".join([case[0], *case[1]])) for case in SOURCES],
)
@pytest.mark.parametrize(
    ("path", "landing", "text"),
    [("/old", "/new", "new page"), ("/folder", "/folder/", "folder index")],
)
def test_following_a_redirect_arrives(servers, source, extra, prefix, path, landing, text):
    server = servers[" ".join([source, *extra])]
    with httpx.Client(
        base_url=server.base_url, timeout=30, trust_env=False, follow_redirects=True
    ) as client:
        response = client.get(prefix + path)
    assert response.status_code == 200, response.text
    assert response.text.startswith(text)
    assert [r.status_code for r in response.history] == [307]
    assert str(response.url) == f"{server.base_url}{prefix}{landing}"


@pytest.mark.skipif(not _HAS_RIC, reason="awslambdaric is not installed")
def test_following_a_redirect_arrives_under_the_runtime_client(servers):
    server = servers["apigw-http ric"]
    with httpx.Client(
        base_url=server.base_url, timeout=30, trust_env=False, follow_redirects=True
    ) as client:
        response = client.get("/old")
    assert response.status_code == 200
    # The app still saw https, as it would behind the real HTTP API.
    assert response.text == f"new page, reached as https://{server.base_url[7:]}/new"
    server.wait_for(r"this server speaks plain HTTP, so such redirects go to http://")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://127.0.0.1:8000/new", "http://127.0.0.1:8000/new"),
        ("HTTPS://127.0.0.1:8000?q=1", "http://127.0.0.1:8000?q=1"),
        ("https://127.0.0.1:8000", "http://127.0.0.1:8000"),
        # Another host, another port, a longer host: as sent.
        ("https://example.com/new", "https://example.com/new"),
        ("https://127.0.0.1:80001/new", "https://127.0.0.1:80001/new"),
        ("https://127.0.0.1:8000.evil.example/", "https://127.0.0.1:8000.evil.example/"),
        ("/relative", "/relative"),
    ],
)
def test_only_links_to_this_server_change(location, expected):
    headers = [("content-type", "text/plain"), ("Location", location)]
    out, changed = plain_http_links(headers, "127.0.0.1:8000")
    assert out == [("content-type", "text/plain"), ("Location", expected)]
    assert changed is (expected != location)


def test_no_host_changes_nothing():
    headers = [("location", "https://127.0.0.1:8000/")]
    assert plain_http_links(headers, None) == (headers, False)
