"""docs/authorizers.md: its ASGI and WSGI examples read the claims of real
authorized events (``../shared/aws-events``), and answer 401 without them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hatchway import Adapter
from helpers import SAMPLES, Context, load

PAGE = Path(__file__).resolve().parents[2] / "docs" / "authorizers.md"
_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

AUTHORIZED = [
    ("apigw-http", "powertools-lambda-typescript__apigw-http_jwt-authorizer-auth.json"),
    ("apigw-rest", "powertools-lambda-typescript__apigw-rest_jwt-authorizer-auth.json"),
]
UNAUTHORIZED = [
    ("apigw-http", "powertools-lambda-typescript__apigw-http_no-auth.json"),
    ("apigw-rest", "powertools-lambda-typescript__apigw-rest_no-auth.json"),
    ("apigw-rest", "powertools-lambda-python__apiGatewayProxyEvent.json"),  # claims: null
]


def page_app(index: int) -> Any:
    """The ``app`` defined by the page's python block ``index`` (0: ASGI, 1: WSGI)."""
    namespace: dict[str, Any] = {"__name__": "authorizers_page"}
    exec(_FENCE.findall(PAGE.read_text())[index], namespace)
    return namespace["app"]


def call_me(app: Any, folder: str, name: str) -> dict[str, Any]:
    path = SAMPLES / folder / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    event = load(path)
    # GET /me, as the sample's API would deliver it.
    if folder == "apigw-http":
        event["rawPath"] = "/me"
        event["requestContext"]["http"]["method"] = "GET"
        event["requestContext"]["stage"] = "$default"
    else:
        event["path"] = "/me"
        event["httpMethod"] = "GET"
        event["requestContext"]["path"] = "/me"
    event["body"] = None
    event["isBase64Encoded"] = False
    return Adapter(app, lifespan="off")(event, Context())  # type: ignore[no-any-return]


@pytest.mark.parametrize("index", [0, 1], ids=["asgi", "wsgi"])
@pytest.mark.parametrize(("folder", "name"), AUTHORIZED)
def test_claims_read(index: int, folder: str, name: str) -> None:
    result = call_me(page_app(index), folder, name)
    assert result["statusCode"] == 200
    body = json.loads(result["body"])
    assert body["sub"] == "d2f50444-0041-7036-aea2-a955fca33d37"


@pytest.mark.parametrize("index", [0, 1], ids=["asgi", "wsgi"])
@pytest.mark.parametrize(("folder", "name"), UNAUTHORIZED)
def test_no_claims_is_401(index: int, folder: str, name: str) -> None:
    assert call_me(page_app(index), folder, name)["statusCode"] == 401
