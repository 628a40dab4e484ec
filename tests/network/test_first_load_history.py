"""A first load's network history (network/services/import_history.py): each created pipe
kept as its id and looked-up codes, read back as the whole state at creation by every reader
(the history API, the admin, revert), whatever happened to the pipe or its nodes since."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from shapely.geometry import LineString

from dataio.importing import layer_import
from layers.services.membership import membership_refresh
from network.models import NetworkChange, PipeNode, PipeSegment, SupplyZone
from network.services.edit import pipe_update
from network.services.history import change_as_dict, change_revert
from network.services.nodes import node_update
from network.services.rules import NetworkConflict
from network.services.session import HISTORY_DIGITS, node_features, pipe_features
from tests.dataio.test_import_first_load import (
    at,
    network_emptied,
    network_sizes_restored,  # noqa: F401 - an autouse fixture: it applies here too
    pipes_file,
)

pytestmark = pytest.mark.django_db

# Three pipes north-east of Lianzhou town (tests/dataio/test_import_first_load.ORIGIN): A and
# B meet end to start at one junction, C lies alone 100 m south: 5 junctions (1 shared, 4
# loose ends). Diameters 100, 150, 200 mm (pipes_file: 100 + 50 i).
LINES = {
    "H-A": LineString([at(-80), at(0)]),
    "H-B": LineString([at(0), at(80)]),
    "H-C": LineString([at(-50, -100), at(50, -100)]),
}


@pytest.fixture
def loaded(tmp_path, settings, engineer):
    """LINES first-loaded into the emptied network by the engineer: (the import's change, the
    pipes' whole states right after the import, by code)."""
    settings.NETWORK_SNAP_TOLERANCE_M = 0.5
    network_emptied()
    last = NetworkChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    report = layer_import(slug="pipes", path=pipes_file(tmp_path, LINES), user=engineer)
    assert report.created == 3
    ids = dict(PipeSegment.objects.values_list("code", "pk"))
    states = pipe_features(ids.values(), HISTORY_DIGITS)
    change = NetworkChange.objects.exclude(pipe_ids=[]).get(operation="import", pk__gt=last)
    return change, {code: states[pk] for code, pk in ids.items()}


def junction_changes(change: NetworkChange) -> list[NetworkChange]:
    """The import changes recording the junctions at the ends of the pipes `change` (an
    import's) created."""
    ends = PipeSegment.objects.filter(pk__in=change.pipe_ids).values_list("start_node", "end_node")
    return list(
        NetworkChange.objects.filter(
            operation="import", pipe_ids=[], node_ids__overlap=[n for pair in ends for n in pair]
        ).order_by("pk")
    )


def creation(change_id: int) -> dict[str, dict]:
    """The import change's states after as the history API gives them, by pipe code."""
    shown = change_as_dict(NetworkChange.objects.get(pk=change_id))
    return {f["properties"]["code"]: f for f in shown["after"]["pipes"]}


class FirstLoadHistoryTests:
    def test_kept_as_ids_and_codes_read_as_whole_states(
        self, loaded, client, engineer, admin_client
    ):
        """Stored: after = {"first_load": [[id, start node code, end node code, zone code,
        town code]]}, 3 rows in id order, nothing before. Read (API, pipe history page's API,
        admin): the same 3 states, in id order, as pipe_features gave right after the
        import (what the whole-state recording stored), codes included."""
        change, states = loaded
        raw = NetworkChange.objects.get(pk=change.pk)
        assert raw.before == {"pipes": []} and list(raw.after) == ["first_load"]
        by_id = {f["id"]: f["properties"] for f in states.values()}
        assert raw.after["first_load"] == [
            [i, p["start_node_code"], p["end_node_code"], p["supply_zone_code"], p["town_code"]]
            for i, p in sorted(by_id.items())
        ]
        expected = [states[c] for c in sorted(states, key=lambda c: states[c]["id"])]
        assert change_as_dict(raw)["after"]["pipes"] == expected
        client.force_login(engineer)
        pipe_id = states["H-B"]["id"]
        api = client.get(f"/api/v1/layers/pipes/features/{pipe_id}/history/").json()
        (entry,) = api["results"]
        assert entry["operation"] == "import" and entry["after"]["pipes"] == expected
        admin = admin_client.get(f"/admin/network/networkchange/{change.pk}/change/")
        assert admin.status_code == 200
        assert "first_load" not in admin.content.decode()
        assert states["H-B"]["properties"]["start_node_code"] in admin.content.decode()

    def test_an_edit_of_diameter_and_route_leaves_the_creation_state(self, loaded, engineer):
        """H-A's diameter 100 -> 250 mm and its route moved 20 m north at the start: the
        import's entry still shows 100 mm and the imported line (the edit's `before`), the
        other two pipes as imported (their current rows); the edit's own entry shows 250."""
        change, states = loaded
        a = states["H-A"]
        start, end = at(-80, 20), a["geometry"]["coordinates"][-1]
        edit = pipe_update(
            pipe_id=a["id"],
            version=a["properties"]["version"],
            geom=LineString([(start.x, start.y), tuple(end)]),
            properties={"diameter_mm": 250},
            user=engineer,
        ).change
        stored = PipeSegment.objects.get(pk=a["id"])
        assert stored.diameter_mm == 250 and stored.version == a["properties"]["version"] + 1
        shown = creation(change.pk)
        assert shown == states
        assert shown["H-A"]["properties"]["diameter_mm"] == 100
        assert change_as_dict(edit)["after"]["pipes"][0]["properties"]["diameter_mm"] == 250

    def test_a_renamed_node_and_a_new_zone_leave_the_import_time_codes(self, loaded, engineer):
        """H-A's start node renamed N-RENAMED, then a supply zone Z-NEW (a 0.02° square around
        the three pipes) added and memberships refreshed: the pipes now look up N-RENAMED and
        Z-NEW, the import's entry still shows the codes of the import (the old node code, the
        zone they had then) and is otherwise unchanged."""
        change, states = loaded
        a = states["H-A"]
        node = PipeNode.objects.get(pk=a["properties"]["start_node_id"])
        node_update(node_id=node.pk, version=node.version, properties={"code": "N-RENAMED"},
                    user=engineer)  # fmt: skip
        x, y = at(0).x, at(0).y
        square = Polygon.from_bbox((x - 0.01, y - 0.01, x + 0.01, y + 0.01))
        square.srid = 4326
        SupplyZone.objects.create(code="Z-NEW", name="新分区", geom=MultiPolygon(square))
        membership_refresh()
        now = pipe_features([f["id"] for f in states.values()], HISTORY_DIGITS)
        assert now[a["id"]]["properties"]["start_node_code"] == "N-RENAMED"
        assert {f["properties"]["supply_zone_code"] for f in now.values()} == {"Z-NEW"}
        assert a["properties"]["start_node_code"] != "N-RENAMED"
        assert {f["properties"]["supply_zone_code"] for f in states.values()} != {"Z-NEW"}
        assert creation(change.pk) == states

    def test_revert_of_the_edit_and_of_the_import(self, loaded, engineer):
        """H-C's diameter 200 -> 300 mm, then reverted: back to 200 mm (version +2), the
        import's entry unchanged. Reverting the import is then refused (H-C was written
        since: its version at the import recorded, 2 more stored), as with whole states."""
        change, states = loaded
        c = states["H-C"]
        version = c["properties"]["version"]
        edit = pipe_update(pipe_id=c["id"], version=version, properties={"diameter_mm": 300},
                           user=engineer).change  # fmt: skip
        change_revert(change_id=edit.pk, user=engineer, pipe_id=c["id"])
        stored = PipeSegment.objects.get(pk=c["id"])
        assert (stored.diameter_mm, stored.version) == (200, version + 2)
        assert creation(change.pk) == states
        with pytest.raises(NetworkConflict) as refused:
            change_revert(change_id=change.pk, user=engineer, pipe_id=c["id"])
        assert refused.value.current_version == version + 2

    def test_revert_of_the_untouched_import_deletes_its_pipes(self, loaded, engineer):
        """Nothing written since the first load: reverting it deletes the 3 pipes, recorded
        as a revert whose before holds their 3 states (as the import's entry shows them)."""
        change, states = loaded
        pipe_id = states["H-A"]["id"]
        result = change_revert(change_id=change.pk, user=engineer, pipe_id=pipe_id)
        assert not PipeSegment.objects.filter(code__in=LINES).exists()
        before = {f["properties"]["code"]: f for f in result.change.before["pipes"]}
        assert before == states and result.change.reverts_id == change.pk


class ImportedJunctionsHistoryTests:
    """The junctions a pipes import adds are in its history, so reverting the import removes
    them (they were left behind, pipe-less, before)."""

    def test_first_load_junctions_recorded_before_the_pipes(self, loaded, engineer):
        """LINES bind to 5 junctions: H-A's end is H-B's start (degree 2), 4 loose ends
        (degree 1). One import change before the pipes' holds them: node_ids = the 5 ids in
        order, nothing before, after = {"first_load": [[id, town code, degree]]}; read back
        (history API's dict) as node_features gives them now (nothing written since)."""
        change, states = loaded
        (nodes_change,) = junction_changes(change)
        ends = {
            p["properties"][k] for p in states.values() for k in ("start_node_id", "end_node_id")
        }
        assert len(ends) == 5 and nodes_change.node_ids == sorted(ends)
        assert nodes_change.before == {"nodes": []} and list(nodes_change.after) == ["first_load"]
        degrees = sorted(row[2] for row in nodes_change.after["first_load"])
        assert degrees == [1, 1, 1, 1, 2]
        expected = node_features(sorted(ends), HISTORY_DIGITS)
        shown = change_as_dict(nodes_change)["after"]["nodes"]
        assert shown == [expected[i] for i in sorted(ends)]
        assert {f["properties"]["kind"] for f in shown} == {"junction"}

    def test_a_renamed_junction_reads_as_imported(self, loaded, engineer):
        """A junction renamed J-RENAMED after the load: the import's junction entry still
        shows the code it was given (the rename's `before`), degree and town as imported."""
        change, _states = loaded
        (nodes_change,) = junction_changes(change)
        imported = {f["id"]: f for f in change_as_dict(nodes_change)["after"]["nodes"]}
        node = PipeNode.objects.get(pk=nodes_change.node_ids[0])
        node_update(node_id=node.pk, version=node.version, properties={"code": "J-RENAMED"},
                    user=engineer)  # fmt: skip
        again = {f["id"]: f for f in change_as_dict(nodes_change)["after"]["nodes"]}
        assert again == imported and imported[node.pk]["properties"]["code"] == node.code

    def test_revert_pipes_then_junctions_leaves_no_node(self, loaded, engineer):
        """Reverting the junctions' change while the pipes end at them is refused (409 naming
        a junction, nothing changed); reverting the pipes' change and then the junctions'
        leaves neither pipe nor node; the second revert's before holds the 5 junctions."""
        change, _states = loaded
        (nodes_change,) = junction_changes(change)
        with pytest.raises(NetworkConflict) as refused:
            change_revert(change_id=nodes_change.pk, user=engineer)
        junction = PipeNode.objects.get(pk=refused.value.object_id)
        assert junction.pk in nodes_change.node_ids and junction.code in str(refused.value)
        assert PipeNode.objects.filter(pk__in=nodes_change.node_ids).count() == 5
        change_revert(change_id=change.pk, user=engineer)
        result = change_revert(change_id=nodes_change.pk, user=engineer)
        assert not PipeSegment.objects.exists() and not PipeNode.objects.exists()
        assert sorted(f["id"] for f in result.change.before["nodes"]) == nodes_change.node_ids

    def test_ordinary_import_keeps_created_features_alike(self, tmp_path, settings, engineer):
        """LINES imported beside the demo network (the ordinary path): its junctions and its
        pipes are kept as ids and looked-up values, as a first load keeps them, and read back
        as node_features / pipe_features give them; reverting the pipes then the junctions
        leaves the demo's nodes exactly as they were."""
        settings.NETWORK_SNAP_TOLERANCE_M = 0.5
        nodes_before = set(PipeNode.objects.values_list("pk", "version"))
        layer_import(slug="pipes", path=pipes_file(tmp_path, LINES), user=engineer)
        change = NetworkChange.objects.exclude(pipe_ids=[]).filter(operation="import").latest("pk")
        (nodes_change,) = junction_changes(change)
        assert len(nodes_change.node_ids) == 5 and len(change.pipe_ids) == 3
        assert list(nodes_change.after) == ["first_load"] == list(change.after)
        nodes = node_features(nodes_change.node_ids, HISTORY_DIGITS)
        assert change_as_dict(nodes_change)["after"]["nodes"] == list(nodes.values())
        pipes = pipe_features(change.pipe_ids, HISTORY_DIGITS)
        assert change_as_dict(change)["after"]["pipes"] == list(pipes.values())
        change_revert(change_id=change.pk, user=engineer)
        change_revert(change_id=nodes_change.pk, user=engineer)
        assert set(PipeNode.objects.values_list("pk", "version")) == nodes_before
