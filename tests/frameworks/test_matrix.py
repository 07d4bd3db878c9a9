"""Every framework app, through every event source, at every mount point.

Each row sends real HTTP requests (httpx) through ``LambdaTransport``: the
request becomes the event that source sends, ``Adapter(app)`` handles it, and
the result is read back as that gateway would deliver it. The apps implement
``contract.py``; the checks below are its expectations.

Mount points: the gateway's root; an API Gateway stage on the execute-api
domain (REST and HTTP APIs); a custom-domain base path declared with
``Adapter(base_path="/v1")``. Generated URLs and redirects must carry the
mount point, and routing must work below it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from hatchway import Adapter

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest
from .frameworks import FRAMEWORKS, Framework

testing = pytest.importorskip("hatchway.testing", reason="hatchway.testing is not available")
httpx = pytest.importorskip("httpx", reason="the matrix drives apps with httpx")

HOST = "api.example.com"


class Mount:
    """Where the app is reached: ``prefix`` of every URL, and how the gateway and
    the adapter are configured for it."""

    def __init__(
        self,
        name: str,
        prefix: str,
        *,
        base_path: str | None = None,
        gateway: dict[str, Any] | None = None,
        sources: tuple[str, ...] | None = None,
    ) -> None:
        self.name = name
        self.prefix = prefix
        self.base_path = base_path
        self.gateway = gateway or {}
        self.sources = sources

    def applies_to(self, source: str) -> bool:
        return self.sources is None or source in self.sources


MOUNTS = [
    Mount("root", ""),
    # The execute-api URL of a named stage: REST sends it in requestContext.path,
    # HTTP APIs in rawPath. Either way the app sees root_path "/prod".
    Mount(
        "stage",
        "/prod",
        gateway={"stage": "prod", "stage_in_url": True},
        sources=("apigw-rest", "apigw-http"),
    ),
    # A custom domain's API mapping "v1", declared to the adapter.
    Mount("base-path", "/v1", base_path="/v1", gateway={"base_path": "/v1"}),
]


class Variant:
    """One source as the matrix drives it: the source's name and its gateway options."""

    def __init__(self, name: str, source: str, **gateway: Any) -> None:
        self.name = name
        self.source = source
        self.gateway = gateway


def _variants() -> list[Variant]:
    variants = []
    for name in testing.gateway_names():
        variants.append(Variant(name, name))
        if name == "alb":
            variants.append(Variant("alb-multi-value", "alb", multi_value=True))
    return variants


VARIANTS = _variants()

_adapters: dict[tuple[str, str | None], tuple[Adapter, StartupCounter]] = {}


def adapter_for(framework: Framework, base_path: str | None) -> tuple[Adapter, StartupCounter]:
    """One Adapter per app and base path, kept for the session like a warm function."""
    key = (framework.name, base_path)
    if key not in _adapters:
        app, counter = framework.load()
        _adapters[key] = (Adapter(app, base_path=base_path), counter)
    return _adapters[key]


class Call:
    """What a check gets: a client for the app behind one source and mount."""

    def __init__(
        self, client: Any, mount: Mount, variant: Variant, counter: StartupCounter
    ) -> None:
        self.client = client
        self.mount = mount
        self.variant = variant
        self.counter = counter

    def url(self, path: str) -> Any:
        """The absolute URL the app must generate for ``path`` under the mount point."""
        return httpx.URL(f"https://{HOST}{self.mount.prefix}{path}")


# The checks: one per row of the contract.


def check_path_parameter(call: Call) -> None:
    response = call.client.get("/items/Zoë ü-東京")
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "Zoë ü-東京"}


def check_query_string(call: Call) -> None:
    response = call.client.get("/search?q=caf%C3%A9+au+lait&tag=a&tag=b%26c")
    assert response.status_code == 200, response.text
    # An ALB target group without multi-value headers keeps only the last of repeated keys.
    tags = ["b&c"] if call.variant.name == "alb" else ["a", "b&c"]
    assert response.json() == {"q": "café au lait", "tags": tags}


def check_json_body(call: Call) -> None:
    document = {"text": "Zoë", "numbers": [1, 2.5], "nested": {"none": None, "yes": True}}
    response = call.client.post("/echo", json=document)
    assert response.status_code == 200, response.text
    assert response.json() == {"json": document}


def check_form_body(call: Call) -> None:
    response = call.client.post("/form", data={"name": "Zoë", "note": "a b&c=d"})
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "Zoë", "note": "a b&c=d"}


def check_multipart_upload(call: Call) -> None:
    response = call.client.post(
        "/upload",
        data={"label": "Zoë's file"},
        files={"file": ("data.bin", DOWNLOAD, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "label": "Zoë's file",
        "filename": "data.bin",
        "size": len(DOWNLOAD),
        "sha256": digest(DOWNLOAD),
    }


def check_binary_download(call: Call) -> None:
    response = call.client.get("/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == DOWNLOAD


def check_cookies(call: Call) -> None:
    response = call.client.get("/cookies", headers={"Cookie": "session=abc; theme=dark"})
    assert response.status_code == 200, response.text
    assert response.json() == {"cookies": {"session": "abc", "theme": "dark"}}
    set_cookies = response.headers.get_list("set-cookie")
    sent = [value.partition(";")[0] for value in set_cookies]
    assert sent == [f"{name}={value}" for name, value in SET_COOKIES]


def check_redirect(call: Call) -> None:
    response = call.client.get("/redirect")
    assert response.status_code in (301, 302, 303, 307), response.text
    location = urlsplit(response.headers["location"])
    assert location.path == f"{call.mount.prefix}/items/{REDIRECT_TARGET}"
    assert location.netloc in ("", HOST)
    followed = call.client.get(call.url("/redirect").join(response.headers["location"]))
    assert followed.json() == {"name": REDIRECT_TARGET}


def check_url_generation(call: Call) -> None:
    response = call.client.get("/url")
    assert response.status_code == 200, response.text
    assert response.json() == {"url": str(call.url(f"/items/{LINK_TARGET}"))}


def check_startup_hook(call: Call) -> None:
    first = call.client.get("/startup").json()["startups"]
    second = call.client.get("/startup").json()["startups"]
    # Ran before the first request, and not again for the next one.
    assert first >= 1
    assert second == first == call.counter.count


def check_error_route(call: Call) -> None:
    logging.disable(logging.CRITICAL)  # the tracebacks are expected; keep the output readable
    try:
        response = call.client.get("/error")
    finally:
        logging.disable(logging.NOTSET)
    assert response.status_code == 500
    # Nothing leaks into the next invocation.
    after = call.client.get("/items/after")
    assert after.status_code == 200
    assert after.json() == {"name": "after"}


CHECKS: list[Callable[[Call], None]] = [
    check_path_parameter,
    check_query_string,
    check_json_body,
    check_form_body,
    check_multipart_upload,
    check_binary_download,
    check_cookies,
    check_redirect,
    check_url_generation,
    check_startup_hook,
    check_error_route,
]


#: Rows hatchway does not pass yet, by (source, mount, check): strict, so a fix
#: turns them into failures until the entry goes.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


def _rows() -> Iterator[Any]:
    for framework in FRAMEWORKS:
        for variant in VARIANTS:
            for mount in MOUNTS:
                if not mount.applies_to(variant.source):
                    continue
                for check in CHECKS:
                    name = check.__name__.removeprefix("check_").replace("_", "-")
                    gap = KNOWN_GAPS.get((variant.source, mount.name, name))
                    yield framework.param(
                        variant,
                        mount,
                        check,
                        id=f"{framework.name}-{variant.name}-{mount.name}-{name}",
                        marks=(pytest.mark.xfail(reason=gap, strict=True),) if gap else (),
                    )


@pytest.mark.parametrize(("framework", "variant", "mount", "check"), list(_rows()))
def test_matrix(
    framework: Framework, variant: Variant, mount: Mount, check: Callable[[Call], None]
) -> None:
    adapter, counter = adapter_for(framework, mount.base_path)
    transport = testing.LambdaTransport(adapter, variant.source, **variant.gateway, **mount.gateway)
    with httpx.Client(transport=transport, base_url=f"https://{HOST}{mount.prefix}") as client:
        check(Call(client, mount, variant, counter))


@pytest.mark.parametrize("framework", [f.param(id=f.name) for f in FRAMEWORKS])
def test_interface_detected(framework: Framework) -> None:
    app, _ = framework.load()
    assert Adapter(app).interface == framework.interface
