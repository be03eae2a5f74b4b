import format from 'pg-format'
import type { ColumnSpec, MappingSchema } from '../../mappings/mapping-schema.js'
import { tableObjectNames } from './derived-name.js'

/**
 * The capture triggers of one mapped table, named as Heroku Connect names them, gated on the
 * `xmlbinary` setting (reference heroku-connect.md §1.6): app sessions have Postgres' default
 * `base64` and are captured; the engine runs its own writes with `SET LOCAL xmlbinary = 'hex'`
 * and is not, so nothing it writes is sent back.
 *
 * - `hc_<t>_logtrigger` AFTER INSERT/UPDATE/DELETE → `hc_<t>_logger()`: one `_trigger_log` entry
 *   per row; INSERT records every writable column, UPDATE only the columns that changed (no entry
 *   when none did) in `values` and their previous values in `old` (as Heroku Connect does; a pull
 *   compares Salesforce's values with `old` to tell a real conflict from a change nobody else
 *   made), DELETE the row's id and sfid. State `NEW`, or `READONLY` on read-only mappings.
 *   The function is generated per table (no `hstore(NEW) - hstore(OLD)` of the whole row).
 * - `hc_<t>_status_trigger` BEFORE UPDATE (read/write mappings) → `hc_<t>_status()`: a user edit
 *   of a captured (writable) column sets `_hc_lastop = 'PENDING'` and clears `_hc_err` (skipped when the row is already PENDING,
 *   and when it is FAILED: the edit waits behind the failure, which stays visible until
 *   `retryFailed()` or `ignoreFailed()`); a user INSERT gets PENDING from the column default. Engine writes set `_hc_lastop` themselves
 *   (SYNCED, INSERTED, UPDATED, FAILED), so neither applies to them.
 */
export function captureTriggerSql(schema: string, plan: MappingSchema): string[] {
  const table = plan.mapping.table
  const state = plan.mapping.access === 'read_write' ? 'NEW' : 'READONLY'
  const captured = capturedColumns(plan)
  // Shortened with a hash when too long for Postgres (see derivedName()): cut by Postgres, the
  // logger and status names of a 59+ character table would be one function and one trigger.
  const { logger, status, logTrigger, statusTrigger } = tableObjectNames(table)
  const insertValues =
    captured.length === 0
      ? 'NULL'
      : `hstore(ARRAY[${captured.map((c) => format('%L', c.column)).join(', ')}], ARRAY[${captured
          .map((c) => asText(`NEW.${format.ident(c.column)}`, c))
          .join(', ')}])::text`
  const updateChecks = captured
    .map((c) => {
      const col = format.ident(c.column)
      return `IF NEW.${col} IS DISTINCT FROM OLD.${col} THEN
        keys := keys || ${format('%L', c.column)}::text;
        vals := vals || ${asText(`NEW.${col}`, c)};
        olds := olds || ${asText(`OLD.${col}`, c)};
      END IF;`
    })
    .join('\n      ')
  const insertEntry = (action: string, row: 'NEW' | 'OLD', values: string, old: string) =>
    `${format('INSERT INTO %I._trigger_log', schema)} (txid, table_name, record_id, sfid, action, state, "values", old)
        VALUES (txid_current(), ${format('%L', table)}, ${row}.id, ${row}.sfid, ${format('%L, %L', action, state)}, ${values}, ${old});`
  // The function bodies are assembled from already-quoted parts, never passed through format()
  // again (a `%` inside them would be taken for a placeholder).
  // The status trigger marks a row PENDING exactly when the logger records an entry: when a
  // captured column changed (an edit of a read-only column alone is not sent, and is overwritten
  // by the next pull).
  const capturedRow = (row: 'NEW' | 'OLD') =>
    `ROW(${captured.map((c) => `${row}.${format.ident(c.column)}`).join(', ')})`
  const unchanged =
    captured.length === 0
      ? 'true'
      : `${capturedRow('NEW')} IS NOT DISTINCT FROM ${capturedRow('OLD')}`
  const loggerName = format('%I.%I', schema, logger)
  const statusName = format('%I.%I', schema, status)
  const statements = [
    `CREATE OR REPLACE FUNCTION ${loggerName}() RETURNS trigger LANGUAGE plpgsql AS $pgforce$
    DECLARE
      keys text[] := '{}';
      vals text[] := '{}';
      olds text[] := '{}';
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${insertEntry('INSERT', 'NEW', insertValues, 'NULL')}
        RETURN NULL;
      ELSIF TG_OP = 'DELETE' THEN
        ${insertEntry('DELETE', 'OLD', 'NULL', 'NULL')}
        RETURN NULL;
      END IF;
      ${updateChecks}
      IF cardinality(keys) = 0 THEN
        RETURN NULL;
      END IF;
      ${insertEntry('UPDATE', 'NEW', 'hstore(keys, vals)::text', 'hstore(keys, olds)::text')}
      RETURN NULL;
    END $pgforce$`,
    format(
      `CREATE OR REPLACE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I.%I
        FOR EACH ROW WHEN (current_setting('xmlbinary') = 'base64') EXECUTE FUNCTION %I.%I()`,
      logTrigger,
      schema,
      table,
      schema,
      logger,
    ),
  ]
  if (plan.mapping.access === 'read_write') {
    statements.push(
      // INSERTs by the app get PENDING from the column default (no trigger call per insert);
      // engine inserts set _hc_lastop themselves.
      lastopDefault(schema, table, true),
      `CREATE OR REPLACE FUNCTION ${statusName}() RETURNS trigger LANGUAGE plpgsql AS $pgforce$
    BEGIN
      IF ${unchanged} THEN
        RETURN NEW;
      END IF;
      NEW._hc_lastop := 'PENDING';
      NEW._hc_err := NULL;
      RETURN NEW;
    END $pgforce$`,
      format(
        `CREATE OR REPLACE TRIGGER %I BEFORE UPDATE ON %I.%I
        FOR EACH ROW WHEN (current_setting('xmlbinary') = 'base64'
          AND (NEW._hc_lastop IS DISTINCT FROM 'PENDING' OR NEW._hc_err IS NOT NULL)
          AND OLD._hc_lastop IS DISTINCT FROM 'FAILED')
        EXECUTE FUNCTION %I.%I()`,
        statusTrigger,
        schema,
        table,
        schema,
        status,
      ),
    )
  } else {
    statements.push(
      lastopDefault(schema, table, false),
      format('DROP TRIGGER IF EXISTS %I ON %I.%I', statusTrigger, schema, table),
    )
  }
  return statements
}

/**
 * Sets (or drops) `_hc_lastop`'s default `'PENDING'` only when it is not so already: ALTER TABLE
 * takes the table's strongest lock, which would hold the app's reads at every install.
 */
function lastopDefault(schema: string, table: string, pending: boolean): string {
  const relation = format('%L', format('%I.%I', schema, table))
  const alter = format(
    `ALTER TABLE %I.%I ALTER COLUMN _hc_lastop ${pending ? `SET DEFAULT 'PENDING'` : 'DROP DEFAULT'}`,
    schema,
    table,
  )
  // Assembled from quoted parts, not passed through format() again (see captureTriggerSql).
  return `DO $pgforce$ BEGIN
      IF ${pending ? 'NOT ' : ''}EXISTS (SELECT 1 FROM pg_attrdef AS d
        JOIN pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid = ${relation}::regclass AND a.attname = '_hc_lastop'
          ${pending ? `AND pg_get_expr(d.adbin, d.adrelid) LIKE '''PENDING''%'` : ''}) THEN
        ${alter};
      END IF;
    END $pgforce$`
}

/**
 * The columns the capture trigger records: the writable ones on a read/write mapping (what a push
 * may send), every mapped one on a read-only mapping. `_pgforce_mapping` marks them `captured`,
 * for the `hc_capture_*_from_row()` helpers.
 */
export function capturedColumns(plan: MappingSchema): readonly ColumnSpec[] {
  return plan.mapping.access === 'read_write'
    ? plan.writableColumns
    : plan.columns.filter((c) => !c.system)
}

/**
 * A column value as text that does not depend on the session's DateStyle: timestamps as
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` (columns hold UTC), dates as `YYYY-MM-DD`; `infinity`, `-infinity`
 * and BC dates (`0044-03-15 BC`) as themselves.
 */
export function asText(expression: string, column: Pick<ColumnSpec, 'pgType'>): string {
  const pattern =
    column.pgType === 'timestamp'
      ? `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`
      : column.pgType === 'date'
        ? `'YYYY-MM-DD'`
        : undefined
  if (!pattern) return `${expression}::text`
  // to_char() gives NULL for ±infinity and drops the era of BC dates: keep both visible, so the
  // push refuses them instead of sending null or an AD date.
  return `CASE WHEN NOT isfinite(${expression}) THEN ${expression}::text
    WHEN ${expression} < '0001-01-01' THEN to_char(${expression}, ${pattern}) || ' BC'
    ELSE to_char(${expression}, ${pattern}) END`
}
