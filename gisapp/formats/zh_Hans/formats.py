"""Chinese (Simplified) formats: Django's, with numbers grouped by thousands with a comma, as
the county's statistical tables and reports print them (Django's default groups nothing)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - extend Django's formats

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
