"""WSGI entry point (gunicorn gisapp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.production")
application = get_wsgi_application()
