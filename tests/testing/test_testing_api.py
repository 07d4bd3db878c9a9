"""hatchway.testing as a library: optional httpx, never on the handler path,
the context object, URL handling and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from hatchway.testing import LambdaContext, client_request

pytest_plugins = ["pytester"]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.subprocess
def test_hatchway_and_hatchway_testing_import_without_httpx() -> None:
    result = run_python(
        """
        import sys
        sys.modules["httpx"] = None  # as if it were not installed
        import hatchway, hatchway.testing
        event = hatchway.testing.build_event("apigw-http", "GET", "/x")
        assert event["rawPath"] == "/x"
        try:
            hatchway.testing.LambdaTransport
        except ImportError as exc:
            print("needs", exc.name)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "needs httpx"


@pytest.mark.subprocess
def test_the_handler_path_never_imports_the_test_client() -> None:
    result = run_python(
        """
        import sys
        from hatchway import Adapter

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        event = {"version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": {},
                 "requestContext": {"http": {"method": "GET", "sourceIp": "1.2.3.4"}}}
        assert Adapter(app)(event, None)["statusCode"] == 200
        print(sorted(m for m in sys.modules if m.startswith("hatchway.testing") or m == "httpx"))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_context_counts_down_to_its_deadline() -> None:
    now = [1000.0]
    context = LambdaContext(timeout=3, clock=lambda: now[0])
    assert context.get_remaining_time_in_millis() == 3000
    now[0] += 1.25
    assert context.get_remaining_time_in_millis() == 1750
    now[0] += 10
    assert context.get_remaining_time_in_millis() == 0
    context.set_remaining_time(0.5)
    assert context.get_remaining_time_in_millis() == 500
    context.deadline_ms = int(now[0] * 1000) + 42
    assert context.get_remaining_time_in_millis() == 42


def test_context_has_the_runtime_attributes() -> None:
    context = LambdaContext(function_name="orders", memory_limit_in_mb=512, region="eu-west-1")
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    assert context.memory_limit_in_mb == "512"  # a string, as the Python runtime gives it
    assert context.log_group_name == "/aws/lambda/orders"
    assert "[$LATEST]" in context.log_stream_name
    assert context.function_version == "$LATEST"
    assert LambdaContext().aws_request_id != LambdaContext().aws_request_id


@pytest.mark.parametrize(
    ("url", "target", "host"),
    [
        pytest.param(
            "https://api.example.com/a/b?x=1", "/a/b?x=1", "api.example.com", id="absolute"
        ),
        pytest.param(
            "/caf\u00e9 au lait",
            "/caf%C3%A9%20au%20lait",
            "api.example.com",
            id="non-ascii-and-space-encoded",
        ),
        pytest.param("/a%2Fb?q=%26", "/a%2Fb?q=%26", "api.example.com", id="escapes-kept"),
        pytest.param("http://localhost:8080/", "/", "localhost:8080", id="port-in-host"),
        pytest.param("/x?", "/x?", "api.example.com", id="empty-query-kept"),
    ],
)
def test_client_request_sends_the_url_as_written(url: str, target: str, host: str) -> None:
    request = client_request("get", url)
    assert request.method == "GET"
    assert request.target == target
    assert request.header("host") == host


def test_client_request_json_sets_body_and_content_type() -> None:
    request = client_request("POST", "/", json={"a": 1})
    assert request.body == b'{"a": 1}'
    assert request.header("content-type") == "application/json"
    assert request.header("content-length") == "8"


@pytest.mark.subprocess
def test_pytest_plugin_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["hatchway.testing.pytest_plugin"]')
    pytester.makepyfile(
        """
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"),
                                      ("Set-Cookie", "b=2")])
            return [environ["PATH_INFO"].encode()]

        def test_client(lambda_client):
            from hatchway import Adapter
            client = lambda_client(Adapter(app), "alb")
            response = client.get("/hello")
            assert response.text == "/hello"
            assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]

        def test_context(lambda_context):
            assert lambda_context.get_remaining_time_in_millis() > 29000
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("missing", ["httpx", "anyio"])
def test_transport_without_httpx_names_the_extra(monkeypatch, missing):
    import hatchway.testing

    monkeypatch.setitem(sys.modules, missing, None)  # import now fails as if not installed
    monkeypatch.delitem(sys.modules, "hatchway.testing.transport", raising=False)
    if missing == "anyio":
        monkeypatch.delitem(sys.modules, "anyio.to_thread", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'hatchway\[testing\]'") as info:
        hatchway.testing.LambdaTransport  # noqa: B018
    assert info.value.name.startswith(missing)


def test_access_log_as_docs_testing_shows(caplog):
    """docs/testing.md, 'Logs in tests': caplog at INFO on hatchway.access."""
    import logging

    import httpx

    from hatchway import Adapter
    from hatchway.testing import LambdaTransport

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    caplog.set_level(logging.INFO, logger="hatchway.access")
    transport = LambdaTransport(Adapter(app, access_log=True))
    with httpx.Client(transport=transport, base_url="https://api.example.com") as client:
        client.get("/items/42")
    assert "GET /items/42 200" in caplog.text
