-- The manifest of a database: row counts of every table and a checksum of every geometry
-- column (md5 of its EWKB in primary-key order). Used by backup.sh and restore.sh; run with
-- psql -At so each line reads kind|name|value.
SELECT format(
  'SELECT %L, %L, count(*)::text FROM %I.%I',
  'rows', c.relname, n.nspname, c.relname
)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm')
ORDER BY c.relname
\gexec
SELECT format(
  'SELECT %L, %L, coalesce(md5(string_agg(coalesce(ST_AsEWKB(%I), ''\x00''::bytea), '
  '''\x01''::bytea ORDER BY %s)), ''no rows'') FROM %I.%I',
  'geom', g.f_table_name || '.' || g.f_geometry_column, g.f_geometry_column,
  coalesce(
    (
      SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey, a.attnum))
      FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = format('%I.%I', g.f_table_schema, g.f_table_name)::regclass
        AND i.indisprimary
    ),
    format('ST_AsEWKB(%I)', g.f_geometry_column)
  ),
  g.f_table_schema, g.f_table_name
)
FROM geometry_columns g
WHERE g.f_table_schema = 'public'
ORDER BY g.f_table_name, g.f_geometry_column
\gexec
