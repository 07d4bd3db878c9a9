"""The WSGI runner: PEP 3333 to the letter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from hatchway import Adapter
from hatchway.errors import ProtocolError
from hatchway.http import Request
from hatchway.wsgi import WsgiRunner, _check_status
from helpers import Context, WsgiRecorder
from helpers.events import http_api


def test_environ_is_pep_3333() -> None:
    app = WsgiRecorder()
    event = http_api(
        "/caf%C3%A9",
        "POST",
        body=b"a=1",
        query="x=%2F",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "content-length": "3",
            "x-a": "1",
        },
        cookies=["a=1", "b=2"],
    )
    Adapter(app)(event, Context())
    environ = app.environ
    assert environ["wsgi.version"] == (1, 0)
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["wsgi.errors"] is sys.stderr
    assert environ["wsgi.multithread"] is False
    assert environ["wsgi.multiprocess"] is False
    assert environ["wsgi.run_once"] is False
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REQUEST_METHOD"] == "POST"
    # HTTP API decodes paths: the gateway handed us "/caf%C3%A9" meaning a literal %.
    assert environ["PATH_INFO"] == "/caf%C3%A9"
    assert environ["QUERY_STRING"] == "x=%2F"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert environ["CONTENT_LENGTH"] == "3"
    assert "HTTP_CONTENT_TYPE" not in environ
    assert "HTTP_CONTENT_LENGTH" not in environ
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_A"] == "1"
    assert environ["SERVER_NAME"] == "api.example.com"
    assert environ["SERVER_PORT"] == "443"
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert app.bodies[-1] == b"a=1"
    for key, value in environ.items():
        assert type(key) is str
        if isinstance(value, str):
            value.encode("latin-1")  # native strings only hold latin-1 code points


def test_native_strings_hold_latin1_decoded_utf8_bytes() -> None:
    app = WsgiRecorder()
    Adapter(app)(http_api("/é"), Context())
    assert app.environ["PATH_INFO"] == "/\xc3\xa9"
    assert app.environ["PATH_INFO"].encode("latin-1").decode("utf-8") == "/é"


@pytest.mark.parametrize(
    "source", ["alb", "apigw-rest", "function-url", "lambda-edge", "vpc-lattice"]
)
def test_path_info_holds_the_raw_bytes_of_an_invalid_escape(source: str) -> None:
    # PEP 3333 servers give the path's bytes as latin-1: %ff is "\xff", not
    # U+FFFD's UTF-8 ("\xef\xbf\xbd"). (HTTP API decodes paths itself; its
    # events hold only the decoded text.)
    from hatchway.testing import build_event

    app = WsgiRecorder()
    Adapter(app)(build_event(source, "GET", "/x%ffy/caf%C3%A9"), Context())
    assert app.environ["PATH_INFO"] == "/x\xffy/caf\xc3\xa9"


def test_path_info_after_a_mount_point_keeps_raw_bytes() -> None:
    from hatchway.http import Request
    from hatchway.wsgi import WsgiRunner

    runner = WsgiRunner(WsgiRecorder())
    request = Request("GET", "/v1/a\ufffd", b"/v1/a%FF", root_path="/v1")
    environ = runner.environ(request, {}, None)
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/v1", "/a\xff")


def test_response_headers_from_a_generator_are_refused_whole(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # PEP 3333 requires a list: a clear 500, never a response missing a header.
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", (pair for pair in [("Content-Type", "text/plain")]))
        return [b"ok"]

    result = Adapter(app)(http_api(), Context("req-g"))
    assert result["statusCode"] == 500
    assert "response headers must be a list, not generator" in caplog.text


def test_write_callable_and_iterable_combine() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"a")
        return [b"b", b"", b"c"]

    assert Adapter(app)(http_api(), Context())["body"] == "abc"


def test_start_response_again_with_exc_info_replaces_headers() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-First", "1")])
        try:
            raise ValueError("oops")
        except ValueError:
            start_response("500 Oops", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"error page"]

    result = Adapter(app)(http_api(), Context())
    assert result["statusCode"] == 500
    assert result["headers"] == {"Content-Type": "text/plain"}
    assert result["body"] == "error page"


def test_exc_info_after_output_reraises() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        try:
            raise ValueError("late")
        except ValueError:
            start_response("500 Oops", [], sys.exc_info())
        yield b"never"

    with pytest.raises(ValueError, match="late"):
        Adapter(app, errors="raise")(http_api(), Context())
    assert Adapter(app)(http_api(), Context())["statusCode"] == 500


class Closing:
    """An iterable whose close() is counted; optionally failing mid-iteration or in close()."""

    def __init__(self, *, fail_iter: bool = False, fail_close: bool = False) -> None:
        self.closed = 0
        self.fail_iter = fail_iter
        self.fail_close = fail_close

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Closing:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return self

    def __iter__(self) -> Iterator[bytes]:
        yield b"one"
        if self.fail_iter:
            raise RuntimeError("mid-body")
        yield b"two"

    def close(self) -> None:
        self.closed += 1
        if self.fail_close:
            raise RuntimeError("close failed")


@pytest.mark.parametrize(
    ("app", "status", "body"),
    [
        (Closing(), 200, "onetwo"),
        (Closing(fail_iter=True), 500, "Internal Server Error"),
        (Closing(fail_close=True), 200, "onetwo"),
        (Closing(fail_iter=True, fail_close=True), 500, "Internal Server Error"),
    ],
    ids=["success", "error-mid-body", "close-raises-after-complete", "both-fail"],
)
def test_close_is_always_called(
    app: Closing, status: int, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    result = Adapter(app)(http_api(), Context())
    assert app.closed == 1
    assert (result["statusCode"], result["body"]) == (status, body)
    if app.fail_close:
        assert "close() raised" in caplog.text


def bad_app(kind: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[Any]:
        if kind == "no-start-response":
            return [b""]
        if kind == "start-twice":
            start_response("200 OK", [])
            start_response("200 OK", [("X-Added", "1")])
            return [b"x"]
        if kind == "yields-str":
            start_response("200 OK", [])
            return ["text"]
        if kind == "body-before-start":
            return [b"x"]
        statuses = {
            "status-no-reason-digits": "2000 OK",
            "status-int": 200,
            "status-999": "999 X",
            "status-superscript-digits": "\u00b2\u00b2\u00b2 X",
        }
        if kind in statuses:
            start_response(statuses[kind], [])
            return [b"x"]
        headers = {
            "header-crlf": [("X-A", "b\r\nSet-Cookie: evil=1")],
            "header-nul": [("X-A", "b\0")],
            "header-name-colon": [("X:A", "b")],
            "header-bytes": [(b"X-A", b"b")],
            "header-value-list": [("X-A", ["b"])],
            "headers-tuple-not-list": (("X-A", "b"),),
        }
        start_response("200 OK", headers[kind])
        return [b"x"]

    return app


@pytest.mark.parametrize(
    "kind",
    [
        "no-start-response",
        "start-twice",
        "yields-str",
        "body-before-start",
        "status-no-reason-digits",
        "status-int",
        "status-999",
        "status-superscript-digits",
        "header-crlf",
        "header-nul",
        "header-name-colon",
        "header-bytes",
        "header-value-list",
        "headers-tuple-not-list",
    ],
)
def test_protocol_violations_are_500(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    result = Adapter(bad_app(kind))(http_api(), Context("req-w"))
    assert result["statusCode"] == 500
    assert "req-w" in caplog.text
    assert "ProtocolError" in caplog.text
    assert Adapter(WsgiRecorder())(http_api(), Context())["statusCode"] == 200


@pytest.mark.subprocess
def test_wsgi_path_never_imports_asyncio() -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parents[1] / "helpers")!r})
        from events import http_api
        from hatchway import Adapter
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        assert Adapter(app)(http_api(), None)["body"] == "ok"
        print("asyncio" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


WARM_CASES = {
    "plain": {"host": "h", "accept": "a"},
    "underscore-dropped": {"host": "h", "x_forwarded_for": "1.1.1.1", "x-y": "1"},
    "two-dropped": {"host": "h", "a_b": "1", "c_d": "2", "content-length": "5"},
    "repeat-joined": {"Host": "h", "X-A": "1", "x-a": "2"},
    "content-type": {"host": "h", "content-type": "text/plain"},
}


@pytest.mark.parametrize("headers", list(WARM_CASES.values()), ids=list(WARM_CASES))
def test_a_warm_runner_builds_the_same_environ(headers: dict[str, str]) -> None:
    """A second request through the same runner gets the same environ,
    repeats joined and dropped names dropped."""
    app = WsgiRecorder()
    handler = Adapter(app)
    context = Context()
    for _ in range(2):
        handler(http_api(headers=dict(headers)), context)
    cold, warm = (
        {k: v for k, v in e.items() if k not in ("wsgi.input", "aws.event")} for e in app.environs
    )
    assert warm == cold
    assert "HTTP_X_FORWARDED_FOR" not in warm
    assert "HTTP_A_B" not in warm
    assert warm["CONTENT_LENGTH"] == "0"
    if "X-A" in headers:
        assert warm["HTTP_X_A"] == "1,2"


# Header lists for the environ, each given twice to one runner: repeats join,
# names never passed on are dropped, the same both times.
HEADER_LISTS = {
    "distinct": ([("x-a", "1"), ("content-type", "text/plain")], {"HTTP_X_A": "1"}),
    "repeat": ([("x-a", "1"), ("x-b", "2"), ("x-a", "3")], {"HTTP_X_A": "1,3", "HTTP_X_B": "2"}),
    "one dropped": ([("x_a", "1"), ("x-b", "2")], {"HTTP_X_B": "2"}),
    "two dropped": ([("x_a", "1"), ("content-length", "9"), ("x-b", "2")], {"HTTP_X_B": "2"}),
    "dropped and repeat": (
        [("x_a", "1"), ("x-b", "2"), ("x-b", "3")],
        {"HTTP_X_B": "2,3"},
    ),
    "none": ([], {}),
}


@pytest.mark.parametrize("name", list(HEADER_LISTS))
def test_environ_headers_new_and_known(name: str) -> None:
    from hatchway.http import Request
    from hatchway.wsgi import WsgiRunner

    headers, expected = HEADER_LISTS[name]
    runner = WsgiRunner(lambda environ, start_response: [])
    for _ in range(2):
        request = Request("GET", "/", b"/", headers=list(headers), client=None)
        environ = runner.environ(request, {}, None)
        got = {k: v for k, v in environ.items() if k.startswith("HTTP_")}
        assert got == expected
        assert "" not in environ
        assert "REMOTE_ADDR" not in environ  # no client: no address made up
        content_type = dict(headers).get("content-type")
        assert environ.get("CONTENT_TYPE") == content_type
        assert environ["CONTENT_LENGTH"] == "0"  # from the body, never the header


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("200 OK", 200),
        ("200", 200),
        ("200 ", 200),
        ("100 Continue", 100),
        ("599 Whatever", 599),
        ("404 Not\tFound", 404),
        ("099 X", None),
        ("600 X", None),
        ("20", None),
        ("", None),
        ("200OK", None),
        ("200\tOK", None),
        ("200 OK\r\nX-Evil: 1", None),
        ("200 OK\n", None),
        ("200 O\0K", None),
        ("\uff12\uff10\uff10 OK", None),
        (b"200 OK", None),
        (None, None),
    ],
)
def test_status_lines(status: object, code: int | None) -> None:
    if code is None:
        with pytest.raises(ProtocolError):
            _check_status(status)
    else:
        assert _check_status(status) == code


def test_environ_header_variables_from_repeats_framing_and_underscores() -> None:
    request = Request(
        "POST",
        "/",
        b"/",
        headers=[
            ("content-type", "text/plain"),
            ("content-length", "999"),
            ("x-a", "1"),
            ("content-type", "charset=utf-8"),
            ("x_a", "smuggled"),
            ("x-a", "2"),
        ],
        body=b"abc",
    )
    environ = WsgiRunner(WsgiRecorder()).environ(request, {}, None)
    headers = {key: value for key, value in environ.items() if key.startswith(("HTTP_", "CONTENT"))}
    assert headers == {
        "CONTENT_TYPE": "text/plain,charset=utf-8",
        "CONTENT_LENGTH": "3",
        "HTTP_X_A": "1,2",
    }
