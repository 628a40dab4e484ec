"""Where each county's features lie (layers/feature_reach.py): kept by the database on every
write, a box per table, county and 0.05° cell covering its features, only ever growing."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import DatabaseError, connection, transaction

from layers.feature_reach import CELL_DEG, REACH_TABLES
from network.models import PipeNode, PipeSegment

pytestmark = pytest.mark.django_db

# Far from every county: the features here are in none (county NULL).
X0, Y0 = 100.0, 20.0


def reach(table: str = "layers_pipesegment") -> dict:
    """The reach of `table`'s features in no county: {(cell_x, cell_y): (xmin, ymin, xmax,
    ymax)}."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT cell_x, cell_y, ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), "
            "ST_YMax(extent) FROM layers_featurereach WHERE layer_table = %s "
            "AND county_id IS NULL AND cell_x BETWEEN 1990 AND 2010",
            [table],
        )
        return {(r[0], r[1]): tuple(round(v, 6) for v in r[2:]) for r in cur.fetchall()}


def pipe(code: str, *points) -> PipeSegment:
    return PipeSegment.objects.create(
        code=code,
        geom=LineString(list(points), srid=4326),
        diameter_mm=100,
        material="PE",
        status="planned",
        length_m=100.0,
    )


def test_the_grid():
    """Cells of 0.05°: (100.01, 20.01) is in cell (2000, 400), (100.11, 20.11) in (2002, 402)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT floor(100.01::float8 / %s), floor(20.01::float8 / %s), "
            "floor(100.11::float8 / %s), floor(20.11::float8 / %s)",
            [CELL_DEG] * 4,
        )
        assert cur.fetchone() == (2000, 400, 2002, 402)


def test_a_pipe_makes_its_cell_s_box_and_pipes_inside_it_change_nothing():
    """A pipe from (100.01, 20.01) to (100.03, 20.02): its cell (2000, 400) gets its box. A
    second from (100.015, 20.012) to (100.02, 20.015) lies inside it: the box is the same. A
    third from (100.02, 20.02) to (100.06, 20.03) starts in the same cell (its box's
    south-west corner) and reaches past it: the cell's box grows to x 100.01-100.06,
    y 20.01-20.03, beyond the cell itself."""
    pipe("R-1", (X0 + 0.01, Y0 + 0.01), (X0 + 0.03, Y0 + 0.02))
    assert reach() == {(2000, 400): (100.01, 20.01, 100.03, 20.02)}
    pipe("R-2", (X0 + 0.015, Y0 + 0.012), (X0 + 0.02, Y0 + 0.015))
    assert reach() == {(2000, 400): (100.01, 20.01, 100.03, 20.02)}
    pipe("R-3", (X0 + 0.02, Y0 + 0.02), (X0 + 0.06, Y0 + 0.03))
    assert reach() == {(2000, 400): (100.01, 20.01, 100.06, 20.03)}


def test_a_move_adds_the_new_cell_and_leaves_the_old_one():
    """Moving R-1 to (100.11, 20.11)-(100.12, 20.12) (cell (2002, 402)) adds that cell; the
    old cell's box stays as wide as it was (a superset: never wrong), and so does a delete.
    layers_reach_refresh computes it again from the rows: the moved pipe's cell alone."""
    made = pipe("R-1", (X0 + 0.01, Y0 + 0.01), (X0 + 0.03, Y0 + 0.02))
    made.geom = LineString([(X0 + 0.11, Y0 + 0.11), (X0 + 0.12, Y0 + 0.12)], srid=4326)
    made.save()
    before = {(2000, 400): (100.01, 20.01, 100.03, 20.02)}
    moved = {(2002, 402): (100.11, 20.11, 100.12, 20.12)}
    assert reach() == before | moved
    made.delete()
    assert reach() == before | moved
    pipe("R-4", (X0 + 0.11, Y0 + 0.11), (X0 + 0.12, Y0 + 0.12))
    with connection.cursor() as cur:
        cur.execute("SELECT layers_reach_refresh('layers_pipesegment')")
    assert reach() == moved


def test_a_set_based_write_grows_every_cell_it_touches():
    """One UPDATE moving 3 nodes (100.01, 100.06, 100.11°E) east by 0.1° (the statement's new
    rows aggregated once): the cells (2002, 400), (2003, 400) and (2004, 400) of pipe nodes get
    their points."""
    for i in range(3):
        PipeNode.objects.create(
            code=f"R-N{i}", kind="junction", geom=Point(X0 + 0.01 + 0.05 * i, Y0 + 0.01)
        )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_pipenode SET geom = ST_Translate(geom, 0.1, 0) WHERE code LIKE 'R-N%%'"
        )
    kept = reach("layers_pipenode")
    for i, cell in enumerate((2002, 2003, 2004)):
        x = round(X0 + 0.11 + 0.05 * i, 6)
        assert kept[(cell, 400)] == (x, 20.01, x, 20.01)


def test_only_its_tables_have_a_reach():
    with pytest.raises(DatabaseError, match="no feature reach"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT layers_reach_refresh('auth_user')")


@pytest.mark.parametrize("table", REACH_TABLES)
def test_every_demo_feature_lies_in_its_county_s_cell_s_box(table):
    """The demo, loaded through the product's own paths (imports, services): every feature's
    bounding box is inside the box of its county's (or no county's) cell, the one its box's
    south-west corner lies in — what makes the window of a reader of many counties sound."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE NOT EXISTS ("  # noqa: S608 (a table name)
            "SELECT 1 FROM layers_featurereach r WHERE r.layer_table = %s "
            "AND r.county_id IS NOT DISTINCT FROM f.county_id "
            "AND r.cell_x = floor(ST_XMin(f.geom) / %s) AND r.cell_y = floor(ST_YMin(f.geom) / %s) "
            f"AND r.extent ~ f.geom)) FROM {table} f WHERE f.geom IS NOT NULL",
            [table, CELL_DEG, CELL_DEG],
        )
        features, outside = cur.fetchone()
    assert features > 1000
    assert outside == 0
