from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse


def index(request: HttpRequest) -> JsonResponse:
    # reverse() includes SCRIPT_NAME: the API Gateway stage or custom-domain base path.
    return JsonResponse(
        {"message": "Hello from Django", "self": request.build_absolute_uri(reverse("index"))}
    )


def item(request: HttpRequest, name: str) -> JsonResponse:
    return JsonResponse({"name": name, "q": request.GET.get("q")})
