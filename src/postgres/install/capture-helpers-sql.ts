import format from 'pg-format'
import { asText } from './capture-trigger-sql.js'

/**
 * Heroku Connect's two helper functions, which let an app's own SQL (a custom trigger, a
 * function, django-heroku-connect's `redo()`) record a change of a row into `_trigger_log`, with
 * Heroku Connect's signatures so calls written for it keep working (reference heroku-connect.md §1.5):
 *
 * - `hc_capture_insert_from_row(source_row hstore, table_name varchar, excluded_cols text[] DEFAULT '{}')`
 *   records an INSERT of the row;
 * - `hc_capture_update_from_row(source_row hstore, table_name varchar, columns_to_include text[] DEFAULT '{}')`
 *   records an UPDATE of the row's columns (all of them when the list is empty), with its `sfid`.
 *
 * Both return the new entry's id, or NULL when `source_row` has no `id` (as Heroku Connect's do).
 * They follow the capture trigger's rules: nothing is recorded in the engine's own sessions
 * (`xmlbinary = 'hex'`: NULL is returned), the entry is `NEW` on a read/write mapping and
 * `READONLY` on a read-only one, `values` holds only the columns the trigger captures (marked
 * `captured` in `_pgforce_mapping`; `id`, `sfid`, system and read-only columns are left out)
 * written as the trigger writes them (timestamps as UTC ISO instants), and `old` is NULL. A table
 * that is not mapped raises `undefined_table`. The id is an `integer`, as in Heroku Connect (the
 * cast fails loudly past 2^31 entries).
 * @internal
 */
export function captureHelpersSql(schema: string): string[] {
  const log = format('%I._trigger_log', schema)
  const mappings = format('%I._pgforce_mapping', schema)
  const capture = format('%I._pgforce_capture_from_row', schema)
  // Function bodies are assembled from quoted parts and never go through format() again (a `%` in
  // them would be taken for a placeholder).
  const internal = `CREATE OR REPLACE FUNCTION ${capture}(
      capture_action text, source_row hstore, capture_table text, include_cols text[],
      exclude_cols text[]) RETURNS integer LANGUAGE plpgsql AS $pgforce$
    DECLARE
      mapped record;
      col jsonb;
      col_name text;
      col_value text;
      keys text[] := '{}';
      vals text[] := '{}';
      entry_id bigint;
    BEGIN
      IF (source_row -> 'id') IS NULL OR current_setting('xmlbinary') <> 'base64' THEN
        RETURN NULL;
      END IF;
      SELECT m.access, m.columns INTO mapped FROM ${mappings} AS m WHERE m.table_name = capture_table;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'pgforce: % is not a mapped table of schema %', capture_table, ${format('%L', schema)}
          USING ERRCODE = 'undefined_table';
      END IF;
      FOR col IN SELECT jsonb_array_elements(mapped.columns) LOOP
        col_name := col ->> 'column';
        CONTINUE WHEN NOT coalesce((col ->> 'captured')::boolean, false)
          OR NOT source_row ? col_name
          OR col_name = ANY(exclude_cols)
          OR (cardinality(include_cols) > 0 AND NOT col_name = ANY(include_cols));
        col_value := source_row -> col_name;
        IF col_value IS NOT NULL AND col ->> 'type' = 'timestamp' THEN
          col_value := ${asText('col_value::timestamp', { pgType: 'timestamp' })};
        ELSIF col_value IS NOT NULL AND col ->> 'type' = 'date' THEN
          col_value := ${asText('col_value::date', { pgType: 'date' })};
        END IF;
        keys := keys || col_name;
        vals := vals || col_value;
      END LOOP;
      INSERT INTO ${log} (txid, table_name, record_id, sfid, action, state, "values", old)
      VALUES (txid_current(), capture_table, (source_row -> 'id')::int,
              CASE WHEN capture_action = 'UPDATE' THEN source_row -> 'sfid' END, capture_action,
              CASE WHEN mapped.access = 'read_write' THEN 'NEW' ELSE 'READONLY' END,
              hstore(keys, vals)::text, NULL)
      RETURNING id INTO entry_id;
      RETURN entry_id::integer;
    END $pgforce$`
  // Heroku Connect's parameter names and defaults: CREATE OR REPLACE keeps an adopted schema's
  // functions' identity (same arguments, same result type) and replaces their bodies.
  const insertHelper = `CREATE OR REPLACE FUNCTION ${format('%I.hc_capture_insert_from_row', schema)}(
      source_row hstore, table_name varchar, excluded_cols text[] DEFAULT ARRAY[]::text[])
    RETURNS integer LANGUAGE sql AS $pgforce$
      SELECT ${capture}('INSERT', source_row, table_name, NULL, excluded_cols)
    $pgforce$`
  const updateHelper = `CREATE OR REPLACE FUNCTION ${format('%I.hc_capture_update_from_row', schema)}(
      source_row hstore, table_name varchar, columns_to_include text[] DEFAULT ARRAY[]::text[])
    RETURNS integer LANGUAGE sql AS $pgforce$
      SELECT ${capture}('UPDATE', source_row, table_name, columns_to_include, NULL)
    $pgforce$`
  return [internal, insertHelper, updateHelper]
}
