"""The demo county: real outline, twelve towns inside it, loaded once, demo accounts by role."""

import pytest
from django.core.management import call_command
from django.db import connection

from demo.load import DEMO_ACCOUNTS
from layers.models import AdminArea
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db


class DemoCountyTests:
    def test_towns_inside_the_real_county_outline(self):
        county = AdminArea.objects.get(code="441882")
        assert county.level == "county" and county.name == "连州市"
        towns = AdminArea.objects.filter(parent=county)
        assert towns.count() == 12
        for town in towns:
            minx, miny, maxx, maxy = town.geom.extent
            assert 112.1 <= minx and maxx <= 112.8 and 24.6 <= miny and maxy <= 25.2, town
            assert town.code.startswith("441882")
        with connection.cursor() as cur:
            # Area (m²) of each town lying outside the county outline: none beyond rounding.
            cur.execute(
                "SELECT max(ST_Area(ST_Difference(t.geom, c.geom)::geography)) "
                "FROM layers_adminarea t, layers_adminarea c "
                "WHERE t.parent_id = c.id AND c.code = '441882'"
            )
            assert cur.fetchone()[0] < 1.0

    def test_every_pipe_end_is_bound_to_a_node(self):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM layers_pipesegment p JOIN layers_pipenode a "
                "ON a.id = p.start_node_id JOIN layers_pipenode b ON b.id = p.end_node_id "
                "WHERE NOT ST_Equals(ST_StartPoint(p.geom), a.geom) "
                "OR NOT ST_Equals(ST_EndPoint(p.geom), b.geom)"
            )
            assert cur.fetchone()[0] == 0
            cur.execute(
                "SELECT count(*) FROM layers_pipesegment WHERE status = 'in_service' "
                "AND (start_node_id IS NULL OR end_node_id IS NULL)"
            )
            assert cur.fetchone()[0] == 0

    def test_memberships_match_a_live_spatial_join(self):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM layers_wateruser u LEFT JOIN layers_adminarea t "
                "ON t.level = 'town' AND ST_Intersects(t.geom, u.geom) "
                "WHERE u.town_id IS DISTINCT FROM t.id"
            )
            assert cur.fetchone()[0] == 0

    def test_second_load_is_skipped_and_changes_nothing(self, capsys):
        before = tables_fingerprint()
        call_command("load_demo")
        assert "already loaded" in capsys.readouterr().out
        assert tables_fingerprint() == before

    def test_a_forced_reload_changes_nothing(self, tmp_path):
        """`load_demo --force` over the loaded demo: every file re-imports as unchanged, the
        planted duplicate pipes and the leak ledger are not written twice (they once were:
        a duplicate pipe code stopped the reload)."""
        before = tables_fingerprint()
        call_command("load_demo", force=True, out=tmp_path, verbosity=0)
        after = tables_fingerprint()
        changed = {t for t in before if before[t] != after.get(t)}
        # Evaluation rewrites its own runs and verdict rows; the data itself is untouched.
        assert changed <= {
            "compliance_result",
            "compliance_evaluationrun",
            "layers_layerversion",
        }, changed

    def test_demo_accounts_have_their_roles(self, django_user_model):
        for username, (role, password) in DEMO_ACCOUNTS.items():
            user = django_user_model.objects.get(username=username)
            assert user.check_password(password)
            assert list(user.groups.values_list("name", flat=True)) == [role]
        engineer = django_user_model.objects.get(username="engineer")
        official = django_user_model.objects.get(username="official")
        assert engineer.has_perm("network.change_pipesegment")
        assert not official.has_perm("network.change_pipesegment")
        assert official.has_perm("network.view_pipesegment")

    def test_demo_accounts_command_prints_passwords(self, capsys):
        call_command("demo_accounts")
        out = capsys.readouterr().out
        assert all(password in out for _role, password in DEMO_ACCOUNTS.values())
