"""The county column's indexes: every table holding a county_id can find a county's rows
through an index that leads with it, and none keeps a second index on the column alone (it
would only cost every write, a first load's rebuild included)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def county_indexes() -> dict[str, list[list[str]]]:
    """{table: [the columns of each index on it that holds county_id]}, public schema."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, array_agg(a.attname::text ORDER BY k.n) "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'public' "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
            "WHERE c.relkind IN ('r', 'p') AND EXISTS (SELECT 1 FROM pg_attribute x "
            " WHERE x.attrelid = c.oid AND x.attname = 'county_id' AND NOT x.attisdropped) "
            "GROUP BY c.relname, i.indexrelid"
        )
        out: dict[str, list[list[str]]] = {}
        for table, columns in cur.fetchall():
            out.setdefault(table, []).append(columns)
        return out


def test_county_rows_found_by_a_leading_index_and_no_column_index_alone():
    """Pipes, nodes, water users, zones, districts, plants, roads and the consumption totals:
    each has an index whose first column is county_id (its (county, code) unique key or its
    totals' keys), and no index on county_id alone."""
    indexes = county_indexes()
    expected = {
        "layers_pipesegment",
        "layers_pipenode",
        "layers_wateruser",
        "layers_supplyzone",
        "layers_irrigationdistrict",
        "layers_sewageplant",
        "layers_road",
        "layers_waterfunctionzone",
        "consumption_total",
        "consumption_user_total",
    }
    assert expected <= indexes.keys()
    for table in expected:
        assert any(cols[0] == "county_id" for cols in indexes[table]), table
        assert ["county_id"] not in indexes[table], table
