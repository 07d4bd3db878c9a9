"""A Django project as a Lambda function: ``handler.handler`` is the entry point.

Django runs here as WSGI, which suits its synchronous views and ORM. For an
async project, use ``django.core.asgi.get_asgi_application()`` instead: hatchway
tells the two apart by itself.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django.core.wsgi import get_wsgi_application

from hatchway import Adapter

app = get_wsgi_application()

handler = Adapter(app)
