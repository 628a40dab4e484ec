"""Local development (`make run`): local cluster, DEBUG off unless asked for (`DEBUG=1 make run`).

DEBUG off by default: Django's debug pages list every URL pattern and, with a 500, the
environment (DATABASE_URL included) to any logged-in user. Errors show the site's translated
pages; tracebacks go to the console (LOGGING). With DEBUG off, runserver serves no static files:
WhiteNoise serves them straight from the apps and STATICFILES_DIRS (no collectstatic needed),
re-reading changed files.
"""

from gisapp.settings.base import *  # noqa: F403
from gisapp.settings.env import env_bool

DEBUG = env_bool("DEBUG", False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
