"""The contract app in Django, served both as ASGI and as WSGI.

The whole project fits in this module: settings, URLconf, views, and an
``AppConfig`` whose ``ready()`` is Django's startup hook (Django's ASGI handler
does not speak the lifespan protocol; hatchway's ``lifespan="auto"`` notices).
Settings are configured only if nothing configured Django before.
"""

from __future__ import annotations

import json

import django
from django.apps import AppConfig
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from .contract import DOWNLOAD, LINK_TARGET, REDIRECT_TARGET, SET_COOKIES, StartupCounter, digest

startups = StartupCounter()


class ContractConfig(AppConfig):
    name = __name__
    label = "hatchway_contract"

    def ready(self) -> None:
        startups.started()


@require_GET
def item(request: HttpRequest, name: str) -> HttpResponse:
    return JsonResponse({"name": name})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"q": request.GET.get("q", ""), "tags": request.GET.getlist("tag")})


@require_POST
def echo(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"json": json.loads(request.body)})


@require_POST
def form(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"name": request.POST["name"], "note": request.POST["note"]})


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    file = request.FILES["file"]
    content = file.read()
    return JsonResponse(
        {
            "label": request.POST["label"],
            "filename": file.name,
            "size": len(content),
            "sha256": digest(content),
        }
    )


@require_GET
def download(request: HttpRequest) -> HttpResponse:
    return HttpResponse(DOWNLOAD, content_type="application/octet-stream")


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"cookies": dict(request.COOKIES)})
    for name, value in SET_COOKIES:
        response.set_cookie(name, value)
    return response


@require_GET
def to_item(request: HttpRequest) -> HttpResponse:
    return redirect("item", name=REDIRECT_TARGET)


@require_GET
def url(request: HttpRequest) -> HttpResponse:
    link = request.build_absolute_uri(reverse("item", kwargs={"name": LINK_TARGET}))
    return JsonResponse({"url": link})


@require_GET
def startup(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"startups": startups.count})


def error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the error route failed, as it should")


urlpatterns = [
    path("items/<str:name>", item, name="item"),
    path("search", search),
    path("echo", echo),
    path("form", form),
    path("upload", upload),
    path("download", download),
    path("cookies", cookies),
    path("redirect", to_item),
    path("url", url),
    path("startup", startup),
    path("error", error),
]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="hatchway-framework-matrix",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[f"{__name__}.ContractConfig"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
django.setup(set_prefix=False)

from django.core.handlers.asgi import ASGIHandler  # noqa: E402 - needs configured settings
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

asgi_app = ASGIHandler()
wsgi_app = WSGIHandler()
