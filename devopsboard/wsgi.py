"""WSGI entry point: `gunicorn devopsboard.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devopsboard.settings")
application = get_wsgi_application()

from devopsboard.checks import refuse_to_serve_without_secret_key  # noqa: E402 (needs settings)

refuse_to_serve_without_secret_key()
