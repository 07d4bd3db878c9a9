"""Every real sample event for the four core sources, through an ASGI and a WSGI app."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import pytest

from hatchway import Adapter
from helpers import AsgiRecorder, Context, WsgiRecorder, load, sample_params
from helpers.mapping import through_both

# Samples whose body is flagged base64 but is plain text: AWS never sends those;
# they must get a 400, not a crash and not a corrupted body.
INVALID_BASE64 = {
    "powertools-lambda-python__apiGatewayProxyEventAnotherPath",
    "powertools-lambda-python__apiGatewayProxyEventPathTrailingSlash",
    "powertools-lambda-python__apiGatewayProxyEvent_noVersionAuth",
}
SAMPLES = sample_params("apigw-rest", "apigw-http", "function-url", "alb")
CORE = {"apigw-rest", "apigw-http", "function-url", "alb"}


def expected_request(event: dict[str, Any], source: str) -> dict[str, Any]:
    """What the app must see, derived from the event independently of hatchway's code."""
    context = event.get("requestContext") or {}
    if source in ("apigw-http", "function-url"):
        method = context["http"]["method"]
        raw = event["rawPath"]
        path = raw if source == "apigw-http" else unquote(raw)
        stage = context.get("stage")
        root = f"/{stage}" if source == "apigw-http" and stage and stage != "$default" else ""
        if root and not path.startswith(root + "/"):
            root = ""
        query = event.get("rawQueryString", "")
        cookies = "; ".join(event.get("cookies") or []) or None
        client = context["http"]["sourceIp"]
    else:
        method = event["httpMethod"]
        path = event["path"]
        if event.get("version") != "1.0":
            path = unquote(path)
        root = ""
        full = context.get("path")
        if (
            source == "apigw-rest"
            and full
            and full != event["path"]
            and full.endswith(event["path"])
        ):
            root = full[: -len(event["path"])]
            path = root + path
        multi = event.get("multiValueQueryStringParameters")
        pairs = (
            [(k, v) for k, vs in multi.items() for v in vs]
            if multi
            else list((event.get("queryStringParameters") or {}).items())
        )
        if source == "alb":
            query = "&".join(f"{k}={v}" for k, v in pairs)
        else:
            query = urlencode(pairs, quote_via=quote, safe="")
        headers = event.get("multiValueHeaders") or {
            k: [v] for k, v in (event.get("headers") or {}).items()
        }
        cookie_values = [v for k, vs in headers.items() if k.lower() == "cookie" for v in vs]
        cookies = "; ".join(cookie_values) or None
        if source == "alb":
            forwarded = [
                v for k, vs in headers.items() if k.lower() == "x-forwarded-for" for v in vs
            ]
            client = forwarded[-1].split(",")[-1].strip() if forwarded else None
        else:
            client = (context.get("identity") or {}).get("sourceIp")
    body = event.get("body") or ""
    return {
        "method": method,
        "path": path,
        "root_path": root,
        "query": query.encode(),
        "cookie": cookies.encode("latin-1") if cookies else None,
        "client": client,
        "body": base64.b64decode(body) if event.get("isBase64Encoded") else body.encode(),
    }


@pytest.mark.parametrize("path", SAMPLES)
def test_sample_reaches_the_app_as_aws_meant(path: Path) -> None:
    event = load(path)
    source = path.parent.name
    assert Adapter(WsgiRecorder()).source_for(event).name == source
    if path.stem in INVALID_BASE64:
        for app in (AsgiRecorder(), WsgiRecorder()):
            result = Adapter(app)(event, Context())
            assert result["statusCode"] == 400
        return
    seen = through_both(event)
    want = expected_request(event, source)
    assert seen.method == want["method"]
    assert seen.path == want["path"]
    assert seen.root_path == want["root_path"]
    assert seen.query == want["query"]
    cookie = seen.header(b"cookie")
    assert (cookie[0] if cookie else None) == want["cookie"]
    assert (seen.client[0] if seen.client else None) == want["client"]
    assert seen.body == want["body"]
    assert seen.server[0]
    assert seen.server[1] > 0


RESPONSE_HEADERS = [
    ("Content-Type", "application/json"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2; Path=/; HttpOnly"),
    ("Vary", "Accept"),
    ("Vary", "Origin"),
]


def rendered_cookies_and_vary(result: dict[str, Any], source: str) -> tuple[list[str], list[str]]:
    """Read a rendered dict back the way the gateway would."""
    if source in ("apigw-http", "function-url"):
        joined = [v for k, v in result["headers"].items() if k.lower() == "vary"]
        assert len(joined) == 1
        return result["cookies"], [v.strip() for v in joined[0].split(",")]
    pairs: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        pairs.append((name, value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        pairs.extend((name, v) for v in values)
    cookies = [v for k, v in pairs if k.lower() == "set-cookie"]
    vary = [p.strip() for k, v in pairs if k.lower() == "vary" for p in v.split(",")]
    return cookies, vary


@pytest.mark.parametrize("path", SAMPLES)
def test_sample_response_keeps_every_cookie_and_repeat(path: Path) -> None:
    event = load(path)
    source = path.parent.name
    if path.stem in INVALID_BASE64:
        pytest.skip("answered 400 before the app runs")
    body = json.dumps({"é": 1}).encode()
    asgi = AsgiRecorder(
        headers=[(k.lower().encode(), v.encode()) for k, v in RESPONSE_HEADERS], body=body
    )
    wsgi = WsgiRecorder(headers=RESPONSE_HEADERS, body=body)
    for app in (asgi, wsgi):
        result = Adapter(app)(event, Context())
        assert result["statusCode"] == 200
        assert result["isBase64Encoded"] is False
        assert result["body"] == body.decode()
        cookies, vary = rendered_cookies_and_vary(result, source)
        assert cookies == ["a=1; Path=/", "b=2; Path=/; HttpOnly"]
        assert vary == ["Accept", "Origin"]
        if source == "alb":
            assert result["statusDescription"] == "200 OK"
            multi = event.get("multiValueHeaders") is not None
            assert ("multiValueHeaders" in result) is multi
            assert ("headers" in result) is not multi
