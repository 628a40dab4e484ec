"""Local development (`make run`): debug on, local cluster."""

from gisapp.settings.base import *  # noqa: F403
from gisapp.settings.env import env_bool

DEBUG = env_bool("DEBUG", True)
