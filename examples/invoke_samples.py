"""Invoke a FastAPI and a Flask handler with one event per API Gateway / ALB source
and print what each function would return to AWS.

    python examples/invoke_samples.py

This runs the same code path as Lambda: event dict -> Adapter -> app -> response dict.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request, Response
from flask import Flask, jsonify
from flask import request as flask_request

from hatchway import Adapter

api = FastAPI()


@api.get("/hello/{name}")
async def hello(name: str, request: Request, response: Response) -> dict[str, Any]:
    response.set_cookie("visited", "yes")
    response.set_cookie("theme", "dark")
    return {"hello": name, "url": str(request.url), "root_path": request.scope["root_path"]}


web = Flask(__name__)


@web.get("/hello/<name>")
def flask_hello(name: str) -> Any:
    response = jsonify(hello=name, url=flask_request.url, script_root=flask_request.script_root)
    response.set_cookie("visited", "yes")
    response.set_cookie("theme", "dark")
    return response


EVENTS: dict[str, dict[str, Any]] = {
    "apigw-rest (stage prod)": {
        "httpMethod": "GET",
        "path": "/hello/w%C3%B6rld",
        "headers": {"Host": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "multiValueQueryStringParameters": {"lang": ["de"]},
        "requestContext": {
            "stage": "prod",
            "path": "/prod/hello/w%C3%B6rld",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    },
    "apigw-http": {
        "version": "2.0",
        "rawPath": "/hello/wörld",
        "rawQueryString": "lang=de",
        "cookies": ["session=abc"],
        "headers": {"host": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": {
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "http": {"method": "GET", "path": "/hello/wörld", "sourceIp": "203.0.113.9"},
            "stage": "$default",
        },
        "isBase64Encoded": False,
    },
    "function-url": {
        "version": "2.0",
        "rawPath": "/hello/w%C3%B6rld",
        "rawQueryString": "lang=de",
        "headers": {"host": "abcdefghij.lambda-url.eu-west-1.on.aws"},
        "requestContext": {
            "domainName": "abcdefghij.lambda-url.eu-west-1.on.aws",
            "http": {"method": "GET", "path": "/hello/w%C3%B6rld", "sourceIp": "203.0.113.9"},
        },
        "isBase64Encoded": False,
    },
    "alb (single-value)": {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:::tg/demo"}},
        "httpMethod": "GET",
        "path": "/hello/w%C3%B6rld",
        "queryStringParameters": {"lang": "de"},
        "headers": {
            "host": "demo-123.eu-west-1.elb.amazonaws.com",
            "x-forwarded-for": "203.0.113.9",
            "x-forwarded-proto": "https",
        },
        "body": "",
        "isBase64Encoded": False,
    },
}


class Context:
    aws_request_id = "example-request"


def main() -> None:
    handlers = {"FastAPI (ASGI)": Adapter(api), "Flask (WSGI)": Adapter(web)}
    for source, event in EVENTS.items():
        for name, handler in handlers.items():
            print(f"== {name} via {source}")
            print(json.dumps(handler(event, Context()), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
