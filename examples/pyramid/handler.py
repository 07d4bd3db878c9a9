"""A Pyramid app as a Lambda function: ``handler.handler`` is the entry point."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from hatchway import Adapter


def index(request: Request) -> dict[str, str]:
    return {"message": "Hello from Pyramid", "self": request.route_url("index")}


def item(request: Request) -> dict[str, str | None]:
    return {"name": request.matchdict["name"], "q": request.GET.get("q")}


with Configurator() as config:
    config.add_route("index", "/")
    config.add_route("item", "/items/{name}")
    config.add_view(index, route_name="index", renderer="json")
    config.add_view(item, route_name="item", renderer="json")
    app = config.make_wsgi_app()

handler = Adapter(app)
