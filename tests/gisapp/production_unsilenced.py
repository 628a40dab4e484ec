"""Production settings with nothing silenced: shows what `check --deploy` would say unsilenced."""

from gisapp.settings.production import *  # noqa: F403

SILENCED_SYSTEM_CHECKS: list[str] = []
