"""A one-file Django site, configured on import. Import it only in its own process:
Django settings can be configured once per process."""

from __future__ import annotations

import django
from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse

settings.configure(
    DEBUG=False,
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    SECRET_KEY="test-only",
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()

finished: list[int] = []


def on_finished(sender: object, **kwargs: object) -> None:
    finished.append(1)


request_finished.connect(on_finished)


def item(request: HttpRequest, name: str) -> JsonResponse:
    response = JsonResponse(
        {
            "name": name,
            "url": request.build_absolute_uri(reverse("item", args=[name])),
            "path": request.path,
            "path_info": request.path_info,
            "cookie": request.COOKIES.get("session"),
            "ip": request.META.get("REMOTE_ADDR"),
        }
    )
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


def upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body[::-1], content_type="application/octet-stream")


urlpatterns = [
    path("items/<str:name>", item, name="item"),
    path("upload", upload),
]
