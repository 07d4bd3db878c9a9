"""The contract app in Pyramid: routes, JSON-rendered views, an ApplicationCreated hook."""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    # WebOb 1.8 imports the stdlib cgi module, deprecated since Python 3.11.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    from pyramid.config import Configurator
    from pyramid.events import ApplicationCreated
    from pyramid.httpexceptions import HTTPFound
    from pyramid.request import Request
    from pyramid.response import Response

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


def on_created(event: ApplicationCreated) -> None:
    startups.started()


def item(request: Request) -> dict[str, Any]:
    return {"name": request.matchdict["name"]}


def search(request: Request) -> dict[str, Any]:
    return {"q": request.GET.get("q", ""), "tags": request.GET.getall("tag")}


def echo(request: Request) -> dict[str, Any]:
    return {"json": request.json_body}


def form(request: Request) -> dict[str, Any]:
    return {"name": request.POST["name"], "note": request.POST["note"]}


def upload(request: Request) -> dict[str, Any]:
    file = request.POST["file"]
    content = file.file.read()
    return {
        "label": request.POST["label"],
        "filename": file.filename,
        "size": len(content),
        "sha256": digest(content),
    }


def download(request: Request) -> Response:
    return Response(body=DOWNLOAD, content_type="application/octet-stream")


def cookies(request: Request) -> Response:
    response = Response(json_body={"cookies": dict(request.cookies)})
    for name, value in SET_COOKIES:
        response.set_cookie(name, value)
    return response


def redirect(request: Request) -> HTTPFound:
    return HTTPFound(location=request.route_path("item", name=REDIRECT_TARGET))


def url(request: Request) -> dict[str, Any]:
    return {"url": request.route_url("item", name=LINK_TARGET)}


def startup(request: Request) -> dict[str, Any]:
    return {"startups": startups.count}


def error(request: Request) -> None:
    raise RuntimeError("the error route failed, as it should")


def create_app() -> Any:
    with Configurator() as config:
        config.add_subscriber(on_created, ApplicationCreated)
        routes = [
            ("item", "/items/{name}", item, "GET"),
            ("search", "/search", search, "GET"),
            ("echo", "/echo", echo, "POST"),
            ("form", "/form", form, "POST"),
            ("upload", "/upload", upload, "POST"),
            ("download", "/download", download, "GET"),
            ("cookies", "/cookies", cookies, "GET"),
            ("redirect", "/redirect", redirect, "GET"),
            ("url", "/url", url, "GET"),
            ("startup", "/startup", startup, "GET"),
            ("error", "/error", error, "GET"),
        ]
        for name, pattern, view, method in routes:
            config.add_route(name, pattern, request_method=method)
            config.add_view(view, route_name=name, renderer="json")
        return config.make_wsgi_app()


app = create_app()
