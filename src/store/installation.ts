import format from 'pg-format'
import { EngineStateError } from '../errors/engine-state-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { RecordedMapping } from '../postgres/install/drift-installer.js'
import type { RecordedColumn } from '../postgres/install/installation-records.js'
import { SCHEMA_VERSION } from '../postgres/install/migrations.js'
import type { Queryable } from './queryable.js'

/**
 * Checks that `install()` has run for these mappings: the schema is at this pgforce's version and
 * every mapping's table and columns were installed, with the mapping's access. Throws an `EngineStateError` that says what is
 * missing and to run `install()`, so `start()` and `syncOnce()` before `install()` (or after a
 * mapping changed) fail with a message a user can act on instead of `relation … does not exist`.
 * @internal
 */
export async function assertInstalled(
  pool: Queryable,
  schema: string,
  plans: Iterable<MappingSchema>,
): Promise<void> {
  const run = 'run engine.install() (or `npx pgforce install`) first'
  const { rows } = await pool.query<{ installed: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS installed',
    [format('%I._pgforce_schema', schema), format('%I._pgforce_mapping', schema)],
  )
  if (rows[0]?.installed !== true)
    throw new EngineStateError(`pgforce is not installed in schema "${schema}": ${run}`)
  const state = await pool.query<{ version: number | null; mappings: InstalledMapping[] | null }>(
    format(
      `SELECT (SELECT version FROM %1$I._pgforce_schema) AS version,
              (SELECT json_agg(json_build_object('table', table_name, 'access', access, 'columns', columns))
               FROM %1$I._pgforce_mapping) AS mappings`,
      schema,
    ),
  )
  const version = state.rows[0]?.version ?? 0
  if (version < SCHEMA_VERSION) {
    throw new EngineStateError(
      `Schema "${schema}" is at pgforce schema version ${version}; this pgforce needs ${SCHEMA_VERSION}: ${run}`,
    )
  }
  const installed = new Map((state.rows[0]?.mappings ?? []).map((m) => [m.table, m]))
  const problems: string[] = []
  for (const plan of plans) {
    const mapping = installed.get(plan.mapping.table)
    if (!mapping) {
      problems.push(`table ${plan.mapping.table} (${plan.object}) is not installed`)
      continue
    }
    // The capture triggers follow the access (and install() settles what a switch leaves waiting).
    if (mapping.access !== plan.mapping.access)
      problems.push(
        `${plan.mapping.table} was installed ${mapping.access}, and is ${plan.mapping.access} now`,
      )
    const have = new Set(mapping.columns.map((c) => c.column))
    const missing = plan.columns.filter((c) => !have.has(c.column)).map((c) => c.column)
    if (missing.length > 0)
      problems.push(
        `${plan.mapping.table} has no column ${missing.join(', ')} yet (mapped since install)`,
      )
  }
  if (problems.length > 0)
    throw new EngineStateError(`The mappings changed since install: ${problems.join('; ')}: ${run}`)
}

interface InstalledMapping {
  readonly table: string
  readonly access: string
  readonly columns: readonly { readonly column: string }[]
}

/**
 * What `_pgforce_mapping` records for each installed table (access, columns, fields Salesforce
 * deleted since), by table; empty when pgforce is not installed in the schema. @internal
 */
export async function recordedMappings(
  pool: Queryable,
  schema: string,
): Promise<Map<string, RecordedMapping>> {
  const table = format('%I._pgforce_mapping', schema)
  const exists = await pool.query<{ exists: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [table],
  )
  if (exists.rows[0]?.exists !== true) return new Map()
  const { rows } = await pool.query<{
    table_name: string
    access: string
    columns: RecordedColumn[]
  }>(`SELECT table_name, access, columns FROM ${table}`)
  return new Map(rows.map((r) => [r.table_name, { access: r.access, columns: r.columns }]))
}
