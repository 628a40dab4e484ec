"""OGC API fixtures: the live site of the browser tests, a committed API token for GDAL."""

import secrets

import pytest

from tests.e2e.conftest import committed_sql, site  # noqa: F401 - the live server fixture


@pytest.fixture
def engineer_token(site):  # noqa: F811
    """A token of the demo engineer, committed so that the live server sees it; removed after."""
    key = secrets.token_hex(20)
    committed_sql(
        "INSERT INTO authtoken_token (key, created, user_id) "
        "SELECT %s, now(), id FROM auth_user WHERE username = 'engineer' "
        "ON CONFLICT (user_id) DO UPDATE SET key = EXCLUDED.key",
        [key],
    )
    yield key
    committed_sql("DELETE FROM authtoken_token WHERE key = %s", [key])
