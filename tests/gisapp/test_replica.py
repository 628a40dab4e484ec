"""Read replica (gisapp/db_router.py) against a real streaming standby of the test cluster
(scripts/pg_replica.sh, 127.0.0.1:5434; `make test` starts it): safe requests read from the
replica, writes and reads inside a write go to the primary, and the stale-read rule holds —
a user reads their own write at once (from the primary while the replica has not replayed it),
another user may read the replica's older copy within REPLICA_MAX_LAG_S, and an unreachable
replica sends reads to the primary.

The test database reaches the replica by streaming replication like everything else, so the
`replica` alias is added here, after pytest-django has created the database on the primary, and
never created or flushed by the test runner. Pausing WAL replay (pg_wal_replay_pause) makes the
replica stale on purpose; every wait is a bounded poll.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import quote

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core import signing
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from gisapp import db_router
from gisapp.db_router import PRIMARY, READ_AFTER_COOKIE, REPLICA
from gisapp.settings.databases import replica_database
from layers.models import AdminArea
from network.models import IdempotentRequest
from tests.helpers import wait_for

pytestmark = [
    pytest.mark.urls("tests.gisapp.replica_urls"),
    # One standby serves every test database of the cluster, and pausing its replay stops it
    # for all of them: under parallel workers (scripts/run_tests.sh) these tests run on one.
    pytest.mark.xdist_group("replica"),
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning"),
]

REPLICA_PORT = int(os.environ.get("PGREPLICA_PORT", "5434"))
AREA = "/test/replica/areas/"
VERSIONS = "/test/replica/versions/"


def _replica_url() -> str:
    if os.environ.get("TEST_DATABASE_REPLICA_URL"):
        return os.environ["TEST_DATABASE_REPLICA_URL"]
    db = connections[PRIMARY].settings_dict
    return (
        f"postgis://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST'] or '127.0.0.1'}:{REPLICA_PORT}/{db['NAME']}"
    )


def _replica_sql(sql: str, params: list | None = None):
    with connections[REPLICA].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def _primary_position() -> str:
    with connections[PRIMARY].cursor() as cur:
        cur.execute(db_router.PRIMARY_POSITION_SQL)
        return cur.fetchone()[0]


def _primary_versions() -> dict:
    with connections[PRIMARY].cursor() as cur:
        cur.execute("SELECT key, version FROM layers_layerversion")
        return dict(cur.fetchall())


def _replayed(position: str) -> bool:
    return _replica_sql(
        "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", [position]
    )


@pytest.fixture
def replica(transactional_db, settings):
    """The `replica` alias on the test database's standby copy, caught up with the primary."""
    settings.REPLICA_MAX_LAG_S = 60
    settings.REPLICA_RETRY_S = 60
    conf = replica_database(_replica_url(), read_timeout_s=10, connect_timeout_s=2)
    conf = connections.configure_settings(
        {PRIMARY: connections[PRIMARY].settings_dict, REPLICA: conf}
    )[REPLICA]
    settings.DATABASES = {**settings.DATABASES, REPLICA: conf}
    # Not in connections.settings: the test case allows connections it did not know at its
    # start ("dynamically created"), and the test runner never creates or flushes it.
    connections[REPLICA] = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, REPLICA)
    db_router.replica_retry_now()
    try:
        try:
            assert _replica_sql("SELECT pg_is_in_recovery()") is True
        except Exception as exc:  # noqa: BLE001 - any failure here means: no replica
            pytest.fail(
                f"no streaming replica on port {REPLICA_PORT} (scripts/pg_replica.sh): {exc}"
            )
        # A commit, and the replica has replayed it: the test starts from a replica in step.
        AdminArea._base_manager.filter(code__startswith="99R").delete()
        position = _primary_position()
        assert wait_for(lambda: _replayed(position), 30)
        yield
    finally:
        try:
            _replica_sql("SELECT pg_wal_replay_resume()")
        except Exception:  # noqa: BLE001, S110 - the replica may be the unreachable one
            pass
        connections[REPLICA].close()
        del connections[REPLICA]
        db_router.replica_retry_now()


@pytest.fixture
def writer(django_user_model, client):
    user = django_user_model.objects.create_user("replica-writer", password="x" * 12)
    user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def reader(django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_user("replica-reader", password="y" * 12)
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def _read(client, code: str, **query) -> dict:
    response = client.get(f"{AREA}{code}/", query)
    assert response.status_code == 200
    return response.json()


def _pause_replay() -> None:
    _replica_sql("SELECT pg_wal_replay_pause()")
    assert wait_for(lambda: _replica_sql("SELECT pg_get_wal_replay_pause_state()") == "paused", 10)


class ReplicaRoutingTests:
    def test_a_get_reads_from_the_replica_and_a_post_writes_to_the_primary(
        self, replica, writer, reader
    ):
        answer = writer.post(AREA, {"code": "99R001"})
        assert answer.status_code == 200
        # The read before the write, inside the write's transaction, is on the primary too.
        assert answer.json() == {
            "existed": False,
            "read_alias": PRIMARY,
            "write_alias": PRIMARY,
            "in_recovery": False,
        }
        assert READ_AFTER_COOKIE in answer.cookies
        assert AdminArea._base_manager.filter(code="99R001").exists()  # on the primary
        position = _primary_position()
        assert wait_for(lambda: _replayed(position), 30)
        assert _read(reader, "99R001") == {"found": True, "alias": REPLICA, "in_recovery": True}
        # A read inside a transaction on the primary stays there, replica or not.
        assert _read(reader, "99R001", atomic=1)["alias"] == PRIMARY

    def test_a_page_of_the_app_reads_through_the_replica(self, replica, reader):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = reader.get("/api/v1/compliance/indicators/")
        assert response.status_code == 200
        assert any("compliance_indicator" in q["sql"] for q in on_replica.captured_queries)

    def test_what_always_reads_the_primary_even_in_a_replica_reading_request(
        self, replica, django_user_model
    ):
        with db_router.replica_reads():
            assert AdminArea._base_manager.all().db == REPLICA
            # Reads that lock or may write, and the authentication and idempotency stores.
            assert AdminArea._base_manager.select_for_update().db == PRIMARY
            assert django_user_model.objects.all().db == PRIMARY
            assert IdempotentRequest.objects.all().db == PRIMARY
            # A service's reads inside its transaction on the primary.
            with transaction.atomic():
                assert AdminArea._base_manager.all().db == PRIMARY
            # Objects loaded from the primary bring their relations from there.
            with db_router.primary_reads():
                area = AdminArea._base_manager.create(
                    code="99R005",
                    name="replica test",
                    level="county",
                    geom=MultiPolygon(Polygon.from_bbox((101.0, 30.0, 101.1, 30.1)), srid=4326),
                )
            assert area._state.db == PRIMARY
            assert area.children.all().db == PRIMARY

    def test_nothing_is_migrated_or_written_on_the_replica(self, replica):
        router = db_router.PrimaryReplicaRouter()
        assert router.allow_migrate(REPLICA, "layers") is False
        assert router.allow_migrate(PRIMARY, "layers") is True
        assert router.db_for_write(AdminArea) == PRIMARY
        # Outside a request (the worker, imports, commands) reads are on the primary.
        assert AdminArea._base_manager.all().db == PRIMARY


class StaleReadRuleTests:
    def test_the_writer_reads_his_write_at_once_others_within_the_lag_limit(
        self, replica, writer, reader, settings
    ):
        _pause_replay()  # the replica now falls behind every commit
        assert writer.post(AREA, {"code": "99R002"}).status_code == 200
        # The writer: from the primary, so he sees what he wrote.
        assert _read(writer, "99R002") == {"found": True, "alias": PRIMARY, "in_recovery": False}
        # Another user: the replica's copy, older, allowed within REPLICA_MAX_LAG_S.
        assert _read(reader, "99R002") == {"found": False, "alias": REPLICA, "in_recovery": True}
        # Past the lag limit the replica is not used for anyone: once the replica knows it is
        # behind (it has received the write's WAL, not replayed it; on a busy machine the
        # WAL may take a moment to arrive, and a replica cannot measure what it has not got).
        assert wait_for(
            lambda: _replica_sql("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"),
            10,
        )
        settings.REPLICA_MAX_LAG_S = 0
        assert _read(reader, "99R002") == {"found": True, "alias": PRIMARY, "in_recovery": False}
        settings.REPLICA_MAX_LAG_S = 60
        # Replay resumes: once the write is replayed, both read it from the replica.
        position = writer.cookies[READ_AFTER_COOKIE].value.split(":")[0]
        _replica_sql("SELECT pg_wal_replay_resume()")
        assert wait_for(lambda: _replayed(position), 30)
        assert _read(writer, "99R002") == {"found": True, "alias": REPLICA, "in_recovery": True}
        assert _read(reader, "99R002") == {"found": True, "alias": REPLICA, "in_recovery": True}

    def test_a_request_reading_the_replica_keys_its_caches_on_the_replica_versions(
        self, replica, writer, reader
    ):
        """A cache keyed on data versions never holds content older than its key: the versions
        come from the database the request reads its content from."""
        _pause_replay()
        assert writer.post(AREA, {"code": "99R004"}).status_code == 200  # bumps a version
        with connections[REPLICA].cursor() as cur:
            cur.execute("SELECT key, version FROM layers_layerversion")
            replica_versions = dict(cur.fetchall())
        assert replica_versions != _primary_versions()  # the replica has not replayed it
        assert _read(reader, "99R004")["alias"] == REPLICA  # the reader reads the replica...
        assert reader.get(VERSIONS).json() == replica_versions  # ...and keys on its versions
        assert writer.get(VERSIONS).json() == _primary_versions()  # the writer: the primary's

    def test_a_forged_or_broken_cookie_only_sends_its_owner_to_the_primary(self, replica, reader):
        reader.cookies[READ_AFTER_COOKIE] = "FFFFFFFF/FFFFFFFF"  # unsigned: ignored
        assert _read(reader, "99R404")["alias"] == REPLICA
        # Signed but not a WAL position: ignored too, and the replica stays in use.
        signer = signing.get_cookie_signer(salt=READ_AFTER_COOKIE + db_router._COOKIE_SALT)
        reader.cookies[READ_AFTER_COOKIE] = signer.sign("-1/0")
        assert _read(reader, "99R404")["alias"] == REPLICA
        assert _read(reader, "99R404")["alias"] == REPLICA

    def test_an_unreachable_replica_sends_reads_to_the_primary_for_a_while(
        self, replica, writer, reader
    ):
        assert writer.post(AREA, {"code": "99R003"}).status_code == 200
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        good_port = connections[REPLICA].settings_dict["PORT"]
        connections[REPLICA].close()
        connections[REPLICA].settings_dict["PORT"] = closed_port
        try:
            assert _read(reader, "99R003") == {
                "found": True,
                "alias": PRIMARY,
                "in_recovery": False,
            }
            # Back, but this process waits REPLICA_RETRY_S before trying it again.
            connections[REPLICA].settings_dict["PORT"] = good_port
            assert _read(reader, "99R003")["alias"] == PRIMARY
            assert connections[REPLICA].connection is None
        finally:
            connections[REPLICA].settings_dict["PORT"] = good_port
        db_router.replica_retry_now()
        position = _primary_position()
        assert wait_for(lambda: _replayed(position), 30)
        assert _read(reader, "99R003")["alias"] == REPLICA
