"""Settings for the example project: what a Lambda deployment needs, no more."""

from __future__ import annotations

import os

# Set a real secret in the function's environment (or read it from Secrets Manager).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "change-me-in-the-function-environment")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
# API Gateway, Function URL and ALB domains differ; list yours in production.
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",")

INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "mysite.urls"
USE_TZ = True
