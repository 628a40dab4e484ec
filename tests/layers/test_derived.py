"""A bulk load's derived county and memberships (layers/derived.py) equal the row-by-row rules:
the county trigger's layers_county_of and the membership refresh's spatial join."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from layers.derived import DERIVED, derived_columns
from layers.models import AdminArea
from layers.services.membership import membership_rules

pytestmark = pytest.mark.django_db


def lianzhou_west_vertex() -> tuple[float, float]:
    """The westmost vertex of Lianzhou's outline (lon, lat)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X((d).geom), ST_Y((d).geom) FROM (SELECT ST_DumpPoints(geom) AS d "
            "FROM layers_adminarea WHERE level = 'county' AND code = '441882') p "
            "ORDER BY ST_X((d).geom) LIMIT 1"
        )
        return cur.fetchone()


def derived(rows: list[tuple[int, str]], table: str) -> dict[int, dict]:
    """derived_columns over rows (key, WKT in EPSG:4326) for `table`: {key: {column: id}}."""
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        cur.execute("DROP TABLE IF EXISTS _derived_test")
        cur.execute("CREATE TEMP TABLE _derived_test (k int, g geometry(Geometry, 4326))")
        for key, wkt in rows:
            cur.execute(
                "INSERT INTO _derived_test VALUES (%s, ST_GeomFromText(%s, 4326))", [key, wkt]
            )
        columns = derived_columns(
            cur, table=table, source="_derived_test", county=True, key="k", geom="g"
        )
        cur.execute(f"SELECT _row, {', '.join(columns)} FROM {DERIVED}")  # noqa: S608 (test)
        return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in cur.fetchall()}


def row_by_row(rows: list[tuple[int, str]], table: str) -> dict[int, dict]:
    """The same values as the trigger and the membership refresh compute them, row by row."""
    out = {}
    with connection.cursor() as cur:
        for key, wkt in rows:
            g = f"ST_GeomFromText('{wkt}', 4326)"
            values = {}
            cur.execute(f"SELECT layers_county_of({g})")  # noqa: S608 (test)
            values["county_id"] = cur.fetchone()[0]
            for rule in membership_rules():
                if rule.table != table:
                    continue
                point = rule.point.replace("f.geom", g)
                cur.execute(
                    f"SELECT z.id FROM {rule.zones} z WHERE {rule.zone_filter} "  # noqa: S608
                    f"AND ST_Intersects(z.geom, {point}) ORDER BY z.id LIMIT 1"
                )
                found = cur.fetchone()
                values[rule.column] = found[0] if found else None
            out[key] = values
    return out


class DerivedColumnsTests:
    def test_counties_and_memberships_equal_the_row_by_row_rules(self):
        """Pipes (lines: their midpoint counts) and nodes (points) at five places:
        1. Lianzhou town's centre (112.38E 24.78N): Lianzhou and a town;
        2. 0.005° (~500 m) west of the westmost vertex of Lianzhou's outline: outside every
           county but within the 0.02° margin: Lianzhou, no town;
        3. 0.05° (~5 km) west of it: beyond the margin: no county, no town;
        4. a line from outside (4) into Lianzhou whose midpoint is inside: Lianzhou;
        5. in a square county added with a higher id that overlaps Lianzhou: the lowest id
           (Lianzhou) wins.
        Every value equals layers_county_of and the refresh's join, and the expected ones."""
        lianzhou = AdminArea.objects.get(level="county", code="441882")
        overlap = AdminArea.objects.create(
            code="449902",
            name="overlapping test county",
            level="county",
            geom=MultiPolygon(Polygon.from_bbox((112.37, 24.77, 112.39, 24.79)), srid=4326),
        )
        x, y = lianzhou_west_vertex()
        points = {
            1: "POINT(112.38 24.78)",
            2: f"POINT({x - 0.005} {y})",
            3: f"POINT({x - 0.05} {y})",
            5: "POINT(112.385 24.785)",
        }
        lines = {
            1: "LINESTRING(112.379 24.78, 112.381 24.78)",
            2: f"LINESTRING({x - 0.006} {y}, {x - 0.004} {y})",
            3: f"LINESTRING({x - 0.06} {y}, {x - 0.04} {y})",
            4: f"LINESTRING({x - 0.01} {y}, {x + 0.05} {y})",
            5: "LINESTRING(112.384 24.785, 112.386 24.785)",
        }
        for table, rows in (("layers_pipenode", points), ("layers_pipesegment", lines)):
            got = derived(list(rows.items()), table)
            assert got == row_by_row(list(rows.items()), table)
            assert got[1]["county_id"] == lianzhou.id and got[1]["town_id"] is not None
            assert got[2]["county_id"] == lianzhou.id and got[2]["town_id"] is None
            assert got[3] == {c: None for c in got[3]}
            assert got[5]["county_id"] == lianzhou.id < overlap.id
        assert got[4]["county_id"] == lianzhou.id

    def test_no_county_or_town_gives_nulls(self):
        """With no county or town outline (their level changed to city in this test), a
        node at Lianzhou town's centre gets no county and no town, as the trigger gives it."""
        AdminArea.objects.filter(level__in=["county", "town"]).update(level="city")
        rows = [(1, "POINT(112.38 24.78)")]
        got = derived(rows, "layers_pipenode")
        assert (
            got == {1: {"county_id": None, "town_id": None}} == row_by_row(rows, "layers_pipenode")
        )
