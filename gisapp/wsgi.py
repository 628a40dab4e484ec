"""WSGI entry point (gunicorn gisapp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.production")
# A web server's process: its connections start with the read statement_timeout
# (settings.STATEMENT_TIMEOUT_ON_CONNECT). Set before the settings are read.
os.environ.setdefault("GISAPP_WEB_PROCESS", "true")
application = get_wsgi_application()

from gisapp.tile_fast_path import TileFastPath  # noqa: E402 - needs the settings loaded

application = TileFastPath(application)
