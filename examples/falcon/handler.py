"""A Falcon ASGI app as a Lambda function: ``handler.handler`` is the entry point.

For Falcon's WSGI flavour, build a ``falcon.App()`` instead and drop
``StripRootPath``: WSGI already routes on PATH_INFO, below the mount point.
"""

from __future__ import annotations

import falcon
import falcon.asgi

from hatchway import Adapter


class StripRootPath:
    """Route on the path below the API Gateway stage or base path.

    By the ASGI spec ``scope["path"]`` includes ``root_path``; Falcon's ASGI
    router matches the whole of it, so without this only unmounted URLs match.
    """

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        root = req.root_path
        if root and (req.path == root or req.path.startswith(root + "/")):
            req.path = req.path[len(root) :] or "/"


class Index:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": "Hello from Falcon", "self": f"{req.prefix}/"}


class Item:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str) -> None:
        resp.media = {"name": name, "q": req.get_param("q")}


app = falcon.asgi.App(middleware=[StripRootPath()])
app.add_route("/", Index())
app.add_route("/items/{name}", Item())

handler = Adapter(app)
