"""The planner's estimate of a table's rows in a box, for the county window of a feature page
(layers/selectors_window.py)."""

from django.db import migrations

# The rows of `tbl` whose geometry meets `box`, from the table's statistics (PostGIS's own
# estimate of the && operator, as the planner makes it: nothing but the statistics is read,
# about 20 µs). NULL when the table has no statistics yet (never analysed: PostGIS raises).
CREATE = """
CREATE FUNCTION layers_rows_in_box(tbl regclass, box geometry)
RETURNS double precision LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN _postgis_selectivity(tbl, 'geom', box)
        * greatest((SELECT reltuples FROM pg_class WHERE oid = tbl), 0);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;
"""

DROP = "DROP FUNCTION IF EXISTS layers_rows_in_box(regclass, geometry);"


class Migration(migrations.Migration):
    dependencies = [("layers", "0010_tile_cache")]

    operations = [migrations.RunSQL(CREATE, DROP)]
