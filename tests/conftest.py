"""Test set-up: the demo county is loaded once into the test database (real PostGIS)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """After the test database is migrated, load the Lianzhou demo (scale 1) into it once.

    Tests using `db` run inside a transaction that is rolled back, so they all see the demo.
    Browser tests (transactional) run last: pytest-django orders them after the others.
    """
    out: Path = tmp_path_factory.mktemp("demo")
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")  # raster files of this session
    with django_db_blocker.unblock():
        # Lianzhou alone (and its city): tests that need the second county load it themselves
        # (tests/compliance/test_rollup.py), so every other test sees one county.
        call_command("load_demo", out=out, verbosity=0, county="441882")


@pytest.fixture
def official(django_user_model):
    return django_user_model.objects.get(username="official")


@pytest.fixture
def engineer(django_user_model):
    return django_user_model.objects.get(username="engineer")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _no_tile_in_memory():
    """Each test starts with no vector tile in this process's memory (layers/tile_cache.py): a
    rolled-back test's data versions come back with other data, so a tile it built must not
    serve the next one (the shared table's rows roll back with the test itself)."""
    from django.core.cache import caches

    caches["tiles"].clear()
