"""Response streaming end to end: `hatchway serve --runtime hatchway --streaming`
plays a Function URL in RESPONSE_STREAM mode; hatchway's runtime loop posts each
ASGI body chunk to the Runtime API emulator, which forwards it to the client as
it arrives. Buffered invocations through the same loop answer as awslambdaric's.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers.local_process import ServeProcess, serving

pytestmark = pytest.mark.subprocess

pytest.importorskip("werkzeug")
pytest.importorskip("fastapi")

STREAMING_TARGETS = Path(__file__).resolve().parents[1] / "streaming_targets"
STREAM_APP = str(STREAMING_TARGETS / "stream_app.py") + ":app"
sys.path.insert(0, str(STREAMING_TARGETS))

from stream_app import pattern  # noqa: E402

#: Seconds a test waits for any one piece of a stream.
READ_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def streaming_server() -> Iterator[ServeProcess]:
    args = [STREAM_APP, "--source", "function-url", "--runtime", "hatchway", "--streaming"]
    with serving(args) as server:
        yield server


@pytest.fixture
def client(streaming_server: ServeProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=streaming_server.base_url, timeout=READ_TIMEOUT, trust_env=False
    ) as client:
        yield client


def _first_then_rest(
    client: httpx.Client, path: str, signal: Path, first: bytes
) -> tuple[httpx.Response, bytes]:
    """Read until ``first`` arrived, check the app is still waiting, signal it, read the rest."""
    with client.stream("GET", path, params={"signal": str(signal)}) as response:
        received = b""
        pieces = response.iter_raw()
        while first not in received:
            received += next(pieces)
        # The app cannot have produced its second piece: it waits for this file.
        assert not signal.exists()
        signal.touch()
        for piece in pieces:
            received += piece
    return response, received


@pytest.mark.parametrize(
    ("path", "first", "whole"),
    [
        pytest.param(
            "/stream",
            b"first piece\n",
            b"first piece\nsecond piece\nlast piece\n",
            id="starlette-streaming-response",
        ),
        pytest.param(
            "/sse",
            b"event: greeting\ndata: one\n\n",
            b"event: greeting\ndata: one\n\ndata: two\n\ndata: three\n\n",
            id="fastapi-server-sent-events",
        ),
    ],
)
def test_first_piece_reaches_the_client_before_the_app_makes_the_second(
    client, tmp_path, path, first, whole
):
    response, received = _first_then_rest(client, path, tmp_path / "go", first)
    assert response.status_code == 200
    assert received == whole


def test_headers_and_cookies_arrive_in_the_prelude(client, tmp_path):
    (tmp_path / "go").touch()
    response = client.get("/stream", params={"signal": str(tmp_path / "go")})
    assert response.headers["x-stream"] == "yes"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers.get_list("set-cookie") == [
        "session=abc; Path=/; SameSite=lax",
        "theme=dark; Path=/; SameSite=lax",
    ]
    assert response.headers["transfer-encoding"] == "chunked"
    sse = client.get("/sse", params={"signal": str(tmp_path / "go")})
    assert sse.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert sse.headers["cache-control"] == "no-cache"


def test_binary_chunks_arrive_intact(client):
    response = client.get("/binary", params={"count": 300})
    assert response.status_code == 200
    assert response.content == b"".join(pattern(300))


def test_error_mid_stream_goes_to_the_trailers_and_the_next_stream_is_normal(
    client, streaming_server, tmp_path
):
    with client.stream("GET", "/broken") as response:
        assert response.status_code == 200  # the head left before the error
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()  # the body ends unfinished, as the gateway cut it
    # The runtime logged it like the managed runtime, and sent it in the trailers,
    # which the emulator decoded (base64 JSON) and reported without printing the
    # trace again; the runtime's lines each on a line of their own (not joined by
    # \r as on standard output).
    streaming_server.wait_for(r"\[ERROR\] RuntimeError: the stream broke on purpose")
    streaming_server.wait_for(r"reported an error after 8 streamed bytes")
    before, _, after = streaming_server.output.partition("reported an error after 8 streamed bytes")
    # The runtime's own trace may land before or after the report (two
    # processes writing), never inside it.
    report, marker, _ = after.partition("(the runtime logged its trace above)")
    assert marker
    assert report.rstrip().endswith("RuntimeError: the stream broke on purpose")
    assert 'stream_app.py", line' not in report
    assert 'stream_app.py", line' in before + after.partition(report)[2]
    assert "\r" not in streaming_server.output

    response, received = _first_then_rest(client, "/stream", tmp_path / "go", b"first piece\n")
    assert received == b"first piece\nsecond piece\nlast piece\n"


def test_an_error_before_the_first_byte_is_an_ordinary_500(client):
    response = client.get("/fails-early")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def _normalised(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name not in ("date", "server", "content-length", "transfer-encoding", "connection")
    ]
    return response.status_code, headers, response.content


BUFFERED_TARGETS = [
    pytest.param(
        [STREAM_APP, "--source", "apigw-http"],
        ["/json", "/stream?signal=", "/binary?count=20", "/fails-early", "/missing"],
        id="asgi-app-on-an-http-api",
    ),
    pytest.param(
        [STREAM_APP, "--source", "function-url"],
        ["/json", "/binary?count=5", "/fails-early"],
        id="asgi-app-on-a-buffered-function-url",
    ),
    pytest.param(
        [str(Path(__file__).resolve().parents[1] / "local_targets" / "handler.py") + ":handler"],
        ["/fine", "/crash", "/malformed"],
        id="plain-handler",
    ),
]


@pytest.mark.parametrize(("args", "paths"), BUFFERED_TARGETS)
def test_buffered_invocations_answer_as_under_awslambdaric(args, paths):
    pytest.importorskip("awslambdaric")
    answers = {}
    for runtime in ("ric", "hatchway"):
        with (
            serving([*args, "--runtime", runtime]) as server,
            httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client,
        ):
            answers[runtime] = [_normalised(client.get(path)) for path in paths]
            if "/crash" in paths:
                server.wait_for("RuntimeError: the handler crashed on purpose")
    assert answers["hatchway"] == answers["ric"]


def test_the_runtime_is_stopped_with_the_server():
    args = [STREAM_APP, "--source", "function-url", "--runtime", "hatchway", "--streaming"]
    with serving(args) as server:
        pid = int(server.wait_for(r"hatchway runtime started \(pid (\d+)\)").group(1))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the runtime process {pid} outlived the server")


def test_streaming_flag_streams_the_chosen_source():
    """`--streaming` streams the `--source` given (apigw-rest here), not only
    Function URLs: the answer comes chunked, without a Content-Length."""
    args = [STREAM_APP, "--source", "apigw-rest", "--runtime", "hatchway", "--streaming"]
    with (
        serving(args) as server,
        httpx.Client(base_url=server.base_url, timeout=30, trust_env=False) as client,
    ):
        response = client.get("/json")
    assert response.status_code == 200
    assert response.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.headers
