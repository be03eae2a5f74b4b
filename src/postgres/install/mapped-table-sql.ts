import format from 'pg-format'
import type { MappingSchema } from '../../mappings/mapping-schema.js'
import { tableObjectNames } from './derived-name.js'

/**
 * Statements that create or upgrade one mapped table in Heroku Connect's layout: `id serial`,
 * the system columns, the mapped columns, `_hc_lastop`, `_hc_err`, and Heroku Connect's index
 * names (`hcu_idx_<t>_sfid`, `hc_idx_<t>_systemmodstamp`; shortened with a hash when longer than
 * Postgres keeps, see `derivedName()`). Existing tables keep their rows: missing columns are added,
 * nothing is dropped or retyped. The external id's and the mapping's column indexes come after,
 * from `columnIndexSql()`, which looks at the data first.
 */
export function mappedTableSql(
  schema: string,
  plan: MappingSchema,
  /** The table's columns when it already exists: only missing ones are added. */
  existing?: ReadonlySet<string>,
): string[] {
  const table = plan.mapping.table
  const names = tableObjectNames(table)
  const columns = [
    { column: 'sfid', pgType: 'varchar(18)' },
    { column: 'systemmodstamp', pgType: 'timestamp' },
    { column: 'isdeleted', pgType: 'boolean' },
    { column: 'createddate', pgType: 'timestamp' },
    ...plan.columns.filter((c) => !c.system),
    { column: '_hc_lastop', pgType: 'varchar(32)' },
    { column: '_hc_err', pgType: 'text' },
  ]
  const definitions = columns.map((c) => format('%I %s', c.column, c.pgType))
  // ALTER TABLE takes the table's strongest lock (reads wait too) even when every column is
  // there: an install of an existing table adds only what is missing, so a routine
  // `run --install` does not queue the app's reads behind a long query.
  const missing = columns.filter((c) => !existing?.has(c.column))
  return [
    format(
      'CREATE TABLE IF NOT EXISTS %I.%I (id serial PRIMARY KEY, %s)',
      schema,
      table,
      definitions.join(', '),
    ),
    ...(missing.length === 0
      ? []
      : [
          format(
            'ALTER TABLE %I.%I %s',
            schema,
            table,
            missing
              .map((c) => `ADD COLUMN IF NOT EXISTS ${format('%I %s', c.column, c.pgType)}`)
              .join(', '),
          ),
        ]),
    format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I.%I (sfid)', names.sfidIndex, schema, table),
    format(
      'CREATE INDEX IF NOT EXISTS %I ON %I.%I (systemmodstamp)',
      names.systemmodstampIndex,
      schema,
      table,
    ),
  ]
}
