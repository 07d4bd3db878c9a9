"""Real framework apps (FastAPI for ASGI, Flask for WSGI) that echo the request
they were given as JSON and answer with repeated response headers.

Used by the sample sweeps of the Lambda@Edge and VPC Lattice sources: the
request must reach a real framework intact, and every Set-Cookie must survive
the source's response shape.
"""

from __future__ import annotations

import base64
from typing import Any

import flask
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SET_COOKIES = ["a=1; Path=/", "b=2; Path=/; HttpOnly; Expires=Wed, 21 Oct 2037 07:28:00 GMT"]


def _answer(seen: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    headers = [("Set-Cookie", cookie) for cookie in SET_COOKIES]
    headers += [("Vary", "Accept"), ("Vary", "Origin")]
    return seen, headers


fastapi_echo = FastAPI()


@fastapi_echo.api_route("/{rest:path}", methods=METHODS)
async def _fastapi_echo(request: Request) -> JSONResponse:
    scope = request.scope
    body = await request.body()
    seen, headers = _answer(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "body": base64.b64encode(body).decode("ascii"),
            "client": scope["client"][0] if scope["client"] else None,
            "has_aws_event": "aws.event" in scope,
        }
    )
    response = JSONResponse(seen)
    for name, value in headers:
        response.headers.append(name, value)
    return response


flask_echo = flask.Flask("flask_echo")


@flask_echo.route("/", defaults={"rest": ""}, methods=METHODS)
@flask_echo.route("/<path:rest>", methods=METHODS)
def _flask_echo(rest: str) -> flask.Response:
    request = flask.request
    environ = request.environ
    seen, headers = _answer(
        {
            "method": request.method,
            "path": environ["SCRIPT_NAME"] + environ["PATH_INFO"],
            "query": environ.get("QUERY_STRING", ""),
            "headers": [[k.lower(), v] for k, v in request.headers.items()],
            "body": base64.b64encode(request.get_data()).decode("ascii"),
            "client": environ.get("REMOTE_ADDR"),
            "has_aws_event": "aws.event" in environ,
        }
    )
    response = flask.jsonify(seen)
    for name, value in headers:
        response.headers.add(name, value)
    return response


def assert_echoed(seen: dict[str, Any], want: dict[str, Any], *, wsgi: bool) -> None:
    """The echo app ``seen`` the request ``want`` describes (method, path,
    query, body, client, every header). WSGI joins repeated headers with ","
    and cannot carry names with "_" (they would alias "-")."""
    assert seen["method"] == want["method"]
    assert seen["path"] == want["path"]
    assert seen["query"] == want["query"]
    assert base64.b64decode(seen["body"]) == want["body"]
    assert seen["client"] == want["client"]
    assert seen["has_aws_event"] is True
    for name, values in want["headers"].items():
        if wsgi and "_" in name:
            continue
        got = [v for k, v in seen["headers"] if k == name]
        assert got in (values, [",".join(values)]), name
