"""Where each county's features lie, kept by the database: the counties a box can hold rows of.

`layers_featurereach` holds, per feature table, county (NULL: features in no county) and cell of
a 0.05° grid, a box covering the bounding box of every feature of that county whose own box's
south-west corner lies in that cell. A feature's box therefore lies inside its row's box, so
a box that meets no row of county d meets no feature of county d: the feature page of a reader
who sees every county (or several) uses it to find the one county a box can hold rows of, and
then walks that county's rows alone (layers/selectors_window.py, issue 19).

It only ever grows: an AFTER INSERT and an AFTER UPDATE statement trigger per table (with the
statement's new rows as a transition table, one aggregate per statement, whatever path wrote:
services, the admin, an import's COPY, a SQL script) widens a cell's box when a new feature's
box is not already inside it. A deleted or moved feature leaves its cell as wide as before — a
superset, never wrong, only less useful; `layers_reach_refresh(table)` computes a table's
boxes again from its rows (the migration that created it; a first load, whose table is empty).

The rows of a box are locked only when it grows (a feature beyond what its county and cell
already cover): ordinary edits inside a county's extent never wait on one another here. The
growth is written in the writer's own transaction, so a reader whose snapshot sees a feature
sees its cell's growth too.
"""

from __future__ import annotations

from django.db import migrations

# Tables with a (county, id) index whose feature pages use the window.
REACH_TABLES = ("layers_pipesegment", "layers_pipenode", "layers_wateruser")
# ~5 km at Lianzhou's latitude: a town-sized box deep in a county meets only its cells.
CELL_DEG = 0.05

_GROUPED = f"""
    SELECT n.county_id,
           floor(ST_XMin(n.geom) / {CELL_DEG})::integer AS cell_x,
           floor(ST_YMin(n.geom) / {CELL_DEG})::integer AS cell_y,
           ST_SetSRID(ST_Extent(n.geom)::geometry, 4326) AS extent
      FROM {{rows}} n
     WHERE n.geom IS NOT NULL AND NOT ST_IsEmpty(n.geom)
     GROUP BY 1, 2, 3
"""  # noqa: S608 - constant SQL (the grid's size)

FUNCTION_SQL = f"""
CREATE TABLE layers_featurereach (
    layer_table text NOT NULL,
    county_id bigint,
    cell_x integer NOT NULL,
    cell_y integer NOT NULL,
    extent geometry(Geometry, 4326) NOT NULL,
    CONSTRAINT layers_featurereach_cell UNIQUE NULLS NOT DISTINCT
        (layer_table, county_id, cell_x, cell_y)
);
CREATE INDEX layers_featurereach_extent ON layers_featurereach USING gist (extent);
COMMENT ON TABLE layers_featurereach IS
    'Derived by triggers (layers/feature_reach.py): per table, county and 0.05° cell, a box '
    'covering its features. Only grows; layers_reach_refresh(table) tightens it.';

CREATE FUNCTION layers_reach_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In county and cell order, so two growing statements lock cells in the same order.
    INSERT INTO layers_featurereach AS r (layer_table, county_id, cell_x, cell_y, extent)
    SELECT TG_TABLE_NAME, g.county_id, g.cell_x, g.cell_y, g.extent
      FROM ({_GROUPED.format(rows="new_rows")}) g
     WHERE NOT EXISTS (
        SELECT 1 FROM layers_featurereach k
         WHERE k.layer_table = TG_TABLE_NAME AND k.county_id IS NOT DISTINCT FROM g.county_id
           AND k.cell_x = g.cell_x AND k.cell_y = g.cell_y AND k.extent ~ g.extent)
     ORDER BY 2, 3, 4
    ON CONFLICT (layer_table, county_id, cell_x, cell_y) DO UPDATE
       SET extent = ST_SetSRID(ST_Envelope(ST_Collect(r.extent, EXCLUDED.extent)), 4326);
    RETURN NULL;
END $$;

CREATE FUNCTION layers_reach_refresh(tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF tbl NOT IN ({", ".join(f"'{t}'" for t in REACH_TABLES)}) THEN
        RAISE EXCEPTION 'no feature reach for table %', tbl;
    END IF;
    DELETE FROM layers_featurereach WHERE layer_table = tbl;
    EXECUTE format(
        'INSERT INTO layers_featurereach (layer_table, county_id, cell_x, cell_y, extent) '
        'SELECT %L, g.* FROM ({_GROUPED.format(rows="%I").replace("'", "''")}) g', tbl, tbl);
END $$;
"""  # noqa: S608 - constant SQL (REACH_TABLES' names)

DROP_SQL = """
DROP FUNCTION IF EXISTS layers_reach_refresh(text);
DROP FUNCTION IF EXISTS layers_reach_grow() CASCADE;
DROP TABLE IF EXISTS layers_featurereach;
"""


def reach_trigger_sql(table: str) -> str:
    """The statement triggers that widen `table`'s reach, then its reach from its rows."""
    return (
        "".join(
            f'CREATE TRIGGER reach_{event.lower()}_{table} AFTER {event} ON "{table}" '
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION layers_reach_grow();\n"
            for event in ("INSERT", "UPDATE")
        )
        + f"SELECT layers_reach_refresh('{table}');\n"
    )


class KeepFeatureReach(migrations.RunSQL):
    """Migration operation: the reach table, its functions and every REACH_TABLES' triggers,
    filled from the rows already there."""

    def __init__(self):
        super().__init__(
            sql=FUNCTION_SQL + "".join(reach_trigger_sql(t) for t in REACH_TABLES),
            reverse_sql=DROP_SQL,
        )

    def describe(self) -> str:
        return "Where each county's features lie (layers_featurereach), kept by triggers"
