"""Memberships after an import into a populated layer: the written rows and the binding's
junctions get their town and supply zone; no other feature is looked at (a province's import
must not redo every feature's spatial join)."""

import pytest
from django.db import connection

from dataio.importing import layer_import
from network.models import PipeNode, PipeSegment
from tests.dataio.test_import_first_load import PIPES, pipes_file

pytestmark = pytest.mark.django_db


def expected_town(table: str, point_sql: str, row_id: int) -> int | None:
    """The town the membership rule gives the row: the lowest town id containing its point."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT (SELECT z.id FROM layers_adminarea z WHERE z.level = 'town' "  # noqa: S608
            f"AND ST_Intersects(z.geom, {point_sql}) ORDER BY z.id LIMIT 1) "
            f"FROM {table} f WHERE f.id = %s",
            [row_id],
        )
        return cur.fetchone()[0]


def test_written_rows_and_junctions_get_theirs_others_are_left(tmp_path, settings):
    """A demo pipe far from the file is given a wrong town behind the services' back (an
    UPDATE with the membership's own column). PIPES imported into the demo network: each of
    the 5 pipes and its 7 junctions has the town its point lies in (at least one of them in a
    town, so the check is not vacuous), and the far pipe keeps the wrong town: only the
    import's rows were refreshed."""
    settings.NETWORK_SNAP_TOLERANCE_M = 0.5
    far = PipeSegment.objects.exclude(town=None).order_by("pk").first()
    other_town = (
        PipeSegment.objects.exclude(town=None).exclude(town=far.town_id).values_list("town_id")
    )[0][0]
    PipeSegment.objects.filter(pk=far.pk).update(town_id=other_town)

    report = layer_import(slug="pipes", path=pipes_file(tmp_path, PIPES))

    assert report.created == 5
    pipes = list(PipeSegment.objects.filter(code__in=PIPES))
    nodes = {n for p in pipes for n in (p.start_node_id, p.end_node_id)}
    assert len(nodes) == 7
    towns = []
    for pipe in pipes:
        expected = expected_town(
            "layers_pipesegment", "ST_LineInterpolatePoint(f.geom, 0.5)", pipe.pk
        )
        assert pipe.town_id == expected
        towns.append(expected)
    for node in PipeNode.objects.filter(pk__in=nodes):
        expected = expected_town("layers_pipenode", "f.geom", node.pk)
        assert node.town_id == expected
        towns.append(expected)
    assert any(towns)
    assert PipeSegment.objects.get(pk=far.pk).town_id == other_town
