"""The doctor: each warning once per environment for its case, and never for
the real AWS samples of a correctly set-up API."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hatchway import Adapter
from hatchway.doctor import CODES
from hatchway.testing import LambdaTransport, build_event
from helpers import Context, load, sample_params
from helpers.events import http_api, rest_api


def app_answering(
    body: bytes = b'{"ok": true}',
    headers: list[tuple[str, str]] | None = None,
) -> Starlette:
    """Answers every method and path with ``body`` and ``headers``."""

    async def answer(request: Request) -> Response:
        await request.body()
        response = Response(body, 200, media_type=None)
        response.raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in (headers or [("content-type", "application/json")])
        ] + [(b"content-length", str(len(body)).encode())]
        return response

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    return Starlette(routes=[Route("/{rest:path}", answer, methods=methods)])


def doctor_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "hatchway.doctor"]


def codes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [line.partition(":")[0] for line in doctor_lines(caplog)]


@pytest.fixture(autouse=True)
def _warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hatchway")


def invoke(adapter: Adapter, event: dict[str, Any], times: int = 3) -> Any:
    """Call the handler ``times`` with a fresh copy of ``event`` (as Lambda would)."""
    result = None
    for n in range(times):
        result = adapter(json.loads(json.dumps(event)), Context(f"req-{n}"))
    return result


# Never for the real samples of a correctly set-up API.

REQUEST_SAMPLES = [
    p
    for p in sample_params(
        "apigw-rest",
        "apigw-http",
        "function-url",
        "alb",
        "lambda-edge",
        "vpc-lattice-v1",
        "vpc-lattice-v2",
    )
    if not (p.values[0] and "response" in Path(p.values[0]).stem)
]


@pytest.mark.parametrize("path", REQUEST_SAMPLES)
@pytest.mark.parametrize(
    "response",
    [
        pytest.param(({"content-type": "application/json"}, b'{"ok": true}'), id="json"),
        pytest.param(({"content-type": "text/html; charset=utf-8"}, b"<p>hi</p>" * 500), id="html"),
        pytest.param(
            ({"content-type": "application/json", "access-control-allow-origin": "*"}, b"{}"),
            id="cors",
        ),
    ],
)
def test_silent_for_real_samples(
    path: Path, response: tuple[dict[str, str], bytes], caplog: pytest.LogCaptureFixture
) -> None:
    event = load(path)
    app = app_answering(response[1], list(response[0].items()))
    invoke(Adapter(app, lifespan="off", compress=True), event, times=1)
    assert doctor_lines(caplog) == []


# HW001: a binary request body delivered as text by a REST API.


def rest_event(
    *,
    body: str | None = None,
    b64: bool = False,
    headers: dict[str, str] | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    event = rest_api("/upload", "POST" if body else "GET")
    event["headers"].update(headers or {})
    event["body"] = body
    event["isBase64Encoded"] = b64
    if domain:
        event["requestContext"]["domainName"] = domain
    return event


def test_hw001_corrupted_upload(caplog: pytest.LogCaptureFixture) -> None:
    corrupted = bytes(range(256)).decode("utf-8", "replace")
    event = rest_event(body=corrupted, headers={"Content-Type": "image/png"})
    invoke(Adapter(app_answering(), lifespan="off"), event)
    assert codes(caplog) == ["HW001"]
    [line] = doctor_lines(caplog)
    assert "binary media types" in line
    assert "image/png" in line
    assert "POST /prod/upload" in line
    assert "req-0" in line


@pytest.mark.parametrize(
    ("body", "b64", "content_type"),
    [
        ("caf\ufffd", False, "text/plain"),  # text: a U+FFFD the client sent is fine
        ("AAEC", True, "image/png"),  # binary media types set: base64
        ("plain bytes", False, "image/png"),  # nothing replaced
    ],
)
def test_hw001_not_for(
    body: str, b64: bool, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = rest_event(body=body, b64=b64, headers={"Content-Type": content_type})
    invoke(Adapter(app_answering(), lifespan="off"), event)
    assert doctor_lines(caplog) == []


# HW002: a binary response a REST client gets as base64 text.


def test_hw002_binary_response_to_rest_without_binary_types(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = app_answering(b"\x89PNG\r\n\x1a\n", [("content-type", "image/png")])
    # A JSON body that arrived as text: the API has no */* binary media type,
    # and the client's Accept is the body's own type.
    event = rest_event(
        body='{"a": 1}',
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    result = invoke(Adapter(app, lifespan="off"), event)
    assert result["isBase64Encoded"] is True
    assert codes(caplog) == ["HW002"]


def test_hw002_not_when_the_request_shows_binary_types(caplog: pytest.LogCaptureFixture) -> None:
    app = app_answering(b"\x89PNG\r\n\x1a\n", [("content-type", "image/png")])
    event = rest_event(
        body=base64.b64encode(b'{"a": 1}').decode(),
        b64=True,
        headers={"Content-Type": "application/json"},
    )
    invoke(Adapter(app, lifespan="off"), event)
    invoke(Adapter(app, lifespan="off"), rest_event())  # a GET shows nothing either way
    assert doctor_lines(caplog) == []


# HW003: above 80% of the source's limit.


@pytest.mark.parametrize(
    ("source", "size"),
    [("function-url", 5_300_000), ("alb", 900_000)],
)
def test_hw003_near_the_limit(source: str, size: int, caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({"data": "x" * size}).encode()
    event = build_event(source, "GET", "/big")
    result = invoke(Adapter(app_answering(body), lifespan="off"), event)
    assert result["statusCode"] == 200
    assert codes(caplog) == ["HW003"]
    assert source in doctor_lines(caplog)[0]


@pytest.fixture
def size_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every exact count of a rendered size, by the size guard or the doctor."""
    import hatchway.doctor
    import hatchway.limits

    counts: list[int] = []
    count = hatchway.limits.rendered_size

    def counted(value: Any, ensure_ascii: bool) -> int:
        counts.append(1)
        return count(value, ensure_ascii)

    monkeypatch.setattr(hatchway.limits, "rendered_size", counted)
    monkeypatch.setattr(hatchway.doctor, "rendered_size", counted)
    return counts


def test_hw003_gives_the_exact_size_counted_once(
    caplog: pytest.LogCaptureFixture, size_counts: list[int]
) -> None:
    # Escaped characters make the rendered size differ from the body's length.
    body = ('"line"\n' * 520_000).encode()
    result = Adapter(app_answering(body), lifespan="off")(
        build_event("function-url", "GET", "/"), Context()
    )
    assert size_counts == [1]  # the size guard's count serves the doctor too
    assert codes(caplog) == ["HW003"]
    exact = len(json.dumps(result).encode())
    assert f"response is {exact} bytes" in doctor_lines(caplog)[0]


@pytest.mark.parametrize("size", [10_000, 1_000_000])
def test_a_text_far_below_the_limit_is_never_counted(
    size: int, caplog: pytest.LogCaptureFixture, size_counts: list[int]
) -> None:
    # 1 MB of text may be 6 MB at its costliest escapes; at twice its length
    # (quotes and line breaks) it is far below 80% of the limit: no count.
    body = ("x" * 49 + "\n") * (size // 50)
    adapter = Adapter(app_answering(body.encode()), lifespan="off")
    assert adapter(build_event("function-url", "GET", "/"), Context())["statusCode"] == 200
    assert size_counts == []
    assert doctor_lines(caplog) == []


def test_hw003_not_below(caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({"data": "x" * 4_500_000}).encode()
    invoke(Adapter(app_answering(body), lifespan="off"), build_event("function-url", "GET", "/"))
    assert doctor_lines(caplog) == []


# HW004: streaming= where nothing streams.


def test_hw004_streaming_under_a_buffering_runtime(caplog: pytest.LogCaptureFixture) -> None:
    adapter = Adapter(app_answering(), lifespan="off", streaming=True)
    event = build_event("function-url", "GET", "/")
    invoke(adapter, event)  # called as a plain handler, as awslambdaric would
    assert codes(caplog) == ["HW004"]
    # Events of sources it does not stream are answered buffered by design.
    caplog.clear()
    invoke(Adapter(app_answering(), lifespan="off", streaming=True), http_api("/"))
    assert doctor_lines(caplog) == []


def test_hw004_not_where_it_streams(caplog: pytest.LogCaptureFixture) -> None:
    adapter = Adapter(app_answering(), lifespan="off", streaming=True)
    transport = LambdaTransport(adapter, "function-url")  # streams as hatchway's runtime does
    with httpx.Client(transport=transport, base_url="https://x.lambda-url.us-east-1.on.aws") as c:
        assert c.get("/").status_code == 200
    assert doctor_lines(caplog) == []


# HW005: a path outside the declared base path.


def test_hw005_path_outside_base_path(caplog: pytest.LogCaptureFixture) -> None:
    adapter = Adapter(app_answering(), lifespan="off", base_path="/v1")
    invoke(adapter, build_event("alb", "GET", "/v1/items"))
    assert doctor_lines(caplog) == []
    invoke(adapter, build_event("alb", "GET", "/v2/items"))
    assert codes(caplog) == ["HW005"]


def test_hw005_not_on_the_apis_own_endpoint(caplog: pytest.LogCaptureFixture) -> None:
    event = rest_api("/items")
    event["requestContext"]["domainName"] = "abc.execute-api.us-east-1.amazonaws.com"
    invoke(Adapter(app_answering(), lifespan="off", base_path="/v1"), event)
    assert doctor_lines(caplog) == []


# HW006: a REST custom domain whose API mapping was not declared.


def custom_domain_event(path: str, proxy: str) -> dict[str, Any]:
    event = rest_api(path)
    event["requestContext"].update(
        {"domainName": "api.example.com", "path": path, "resourcePath": "/{proxy+}"}
    )
    event["headers"]["Host"] = "api.example.com"
    event["pathParameters"] = {"proxy": proxy}
    return event


def test_hw006_undeclared_base_path(caplog: pytest.LogCaptureFixture) -> None:
    invoke(Adapter(app_answering(), lifespan="off"), custom_domain_event("/v1/items/7", "items/7"))
    assert codes(caplog) == ["HW006"]
    assert "base_path='/v1'" in doctor_lines(caplog)[0]


@pytest.mark.parametrize(
    ("base_path", "path", "proxy"),
    [
        ("/v1", "/v1/items/7", "items/7"),  # declared
        (None, "/items/7", "items/7"),  # a mapping without a base path
    ],
)
def test_hw006_not_when_set_up(
    base_path: str | None, path: str, proxy: str, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = Adapter(app_answering(), lifespan="off", base_path=base_path)
    invoke(adapter, custom_domain_event(path, proxy))
    assert doctor_lines(caplog) == []


# HW007: Access-Control-Allow-Origin twice.


@pytest.mark.parametrize("source", ["apigw-http", "apigw-rest", "alb", "lambda-edge"])
def test_hw007_duplicate_cors(source: str, caplog: pytest.LogCaptureFixture) -> None:
    headers = [
        ("content-type", "application/json"),
        ("access-control-allow-origin", "*"),
        ("Access-Control-Allow-Origin", "https://app.example.com"),
    ]
    event = build_event(source, "GET", "/")
    invoke(Adapter(app_answering(b"{}", headers), lifespan="off"), event)
    assert codes(caplog) == ["HW007"]


@pytest.mark.parametrize(
    ("headers", "fires"),
    [
        ({"Access-Control-Allow-Origin": "*"}, False),
        ({"ACCESS-CONTROL-ALLOW-ORIGIN": "a, b"}, True),
        ({1: "x", "access-control-allow-origin": "a, b"}, True),  # a custom source's int key
        ({1: "x", "content-type": "text/plain"}, False),
    ],
)
def test_hw007_reads_any_spelling_of_the_rendered_names(
    headers: dict[Any, str], fires: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from hatchway.doctor import Doctor
    from hatchway.http import Request
    from hatchway.sources import SourceOptions

    doctor = Doctor(SourceOptions(), frozenset())
    request = Request(method="GET", path="/", raw_path=b"/")
    doctor.check_response(
        _Named("custom"), {}, request, {"headers": headers}, 1_000_000, None, Context()
    )
    assert codes(caplog) == (["HW007"] if fires else [])


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name


# Off, and documented.


def test_doctor_false_silences_every_check(caplog: pytest.LogCaptureFixture) -> None:
    headers = [("content-type", "image/png"), ("access-control-allow-origin", "a, b")]
    app = app_answering(b"\x89PNG", headers)
    corrupted = bytes(range(256)).decode("utf-8", "replace")
    event = rest_event(body=corrupted, headers={"Content-Type": "image/png"})
    invoke(Adapter(app, lifespan="off"), event)
    assert set(codes(caplog)) == {"HW001", "HW002", "HW007"}
    caplog.clear()
    invoke(Adapter(app, lifespan="off", doctor=False), event)
    assert doctor_lines(caplog) == []


def test_doctor_option_checked() -> None:
    with pytest.raises(TypeError, match="doctor"):
        Adapter(app_answering(), doctor="yes")  # type: ignore[arg-type]


def test_every_code_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "errors-and-limits.md").read_text()
    section = docs.partition("## Doctor warnings")[2]
    for code in CODES:
        assert f"### {code}" in section
