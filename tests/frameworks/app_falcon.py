"""The contract app in Falcon, as a WSGI ``falcon.App`` and an ASGI ``falcon.asgi.App``.

Falcon has no URL builder: links are made from ``req.root_path`` and
``req.prefix``, the mount point the adapter presents. The ASGI app's startup
hook is a middleware's ``process_startup``; the WSGI app's is its factory.

Falcon's ASGI router matches the whole ``scope["path"]``, which by the ASGI
spec includes ``root_path`` (an API Gateway stage, a custom-domain base
path). ``StripRootPath`` routes on the rest, as WSGI's PATH_INFO does.
"""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

wsgi_startups = StartupCounter()
asgi_startups = StartupCounter()


def _query(req: Any) -> dict[str, Any]:
    return {"q": req.get_param("q", default=""), "tags": req.get_param_as_list("tag") or []}


def _set_cookies(resp: Any) -> None:
    for name, value in SET_COOKIES:
        resp.set_cookie(name, value, secure=False)


class Item:
    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        resp.media = {"name": name}


class Search:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = _query(req)


class Echo:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"json": req.get_media()}


class Form:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = req.get_media()
        resp.media = {"name": data["name"], "note": data["note"]}


class Upload:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        found: dict[str, Any] = {}
        for part in req.get_media():
            if part.filename:
                content = part.stream.read()
                found.update(filename=part.filename, size=len(content), sha256=digest(content))
            else:
                found[part.name] = part.text
        resp.media = found


class Download:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "application/octet-stream"
        resp.data = DOWNLOAD


class Cookies:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _set_cookies(resp)
        resp.media = {"cookies": req.cookies}


class Redirect:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise falcon.HTTPFound(f"{req.root_path}/items/{REDIRECT_TARGET}")


class Url:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"url": f"{req.prefix}/items/{LINK_TARGET}"}


class Startup:
    def __init__(self, counter: StartupCounter) -> None:
        self.counter = counter

    def on_get(self, req: Any, resp: Any) -> None:
        resp.media = {"startups": self.counter.count}


class Error:
    def on_get(self, req: Any, resp: Any) -> None:
        raise RuntimeError("the error route failed, as it should")


def create_wsgi_app() -> falcon.App:
    app = falcon.App()
    wsgi_startups.started()
    for route, resource in [
        ("/items/{name}", Item()),
        ("/search", Search()),
        ("/echo", Echo()),
        ("/form", Form()),
        ("/upload", Upload()),
        ("/download", Download()),
        ("/cookies", Cookies()),
        ("/redirect", Redirect()),
        ("/url", Url()),
        ("/startup", Startup(wsgi_startups)),
        ("/error", Error()),
    ]:
        app.add_route(route, resource)
    return app


class AsyncItem:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str) -> None:
        resp.media = {"name": name}


class AsyncSearch:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = _query(req)


class AsyncEcho:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"json": await req.get_media()}


class AsyncForm:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        data = await req.get_media()
        resp.media = {"name": data["name"], "note": data["note"]}


class AsyncUpload:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        found: dict[str, Any] = {}
        async for part in await req.get_media():
            if part.filename:
                content = await part.get_data()
                found.update(filename=part.filename, size=len(content), sha256=digest(content))
            else:
                found[part.name] = await part.get_text()
        resp.media = found


class AsyncDownload:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = "application/octet-stream"
        resp.data = DOWNLOAD


class AsyncCookies:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        _set_cookies(resp)
        resp.media = {"cookies": req.cookies}


class AsyncRedirect:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        raise falcon.HTTPFound(f"{req.root_path}/items/{REDIRECT_TARGET}")


class AsyncUrl:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"url": f"{req.prefix}/items/{LINK_TARGET}"}


class AsyncStartup:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"startups": asgi_startups.count}


class AsyncError:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        raise RuntimeError("the error route failed, as it should")


class StripRootPath:
    """Route on the path below the mount point, as Falcon's WSGI flavour does."""

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        root = req.root_path
        if root and (req.path == root or req.path.startswith(root + "/")):
            req.path = req.path[len(root) :] or "/"


class CountStartup:
    """Falcon's ASGI startup hook: a middleware's ``process_startup``."""

    async def process_startup(self, scope: dict[str, Any], event: dict[str, Any]) -> None:
        asgi_startups.started()


def create_asgi_app() -> falcon.asgi.App:
    app = falcon.asgi.App(middleware=[CountStartup(), StripRootPath()])
    for route, resource in [
        ("/items/{name}", AsyncItem()),
        ("/search", AsyncSearch()),
        ("/echo", AsyncEcho()),
        ("/form", AsyncForm()),
        ("/upload", AsyncUpload()),
        ("/download", AsyncDownload()),
        ("/cookies", AsyncCookies()),
        ("/redirect", AsyncRedirect()),
        ("/url", AsyncUrl()),
        ("/startup", AsyncStartup()),
        ("/error", AsyncError()),
    ]:
        app.add_route(route, resource)
    return app


wsgi_app = create_wsgi_app()
asgi_app = create_asgi_app()
