import format from 'pg-format'
import { type MappingDrift, resolveColumnDrift } from '../../mappings/column-drift.js'
import type { MappingSchema } from '../../mappings/mapping-schema.js'
import type { PgClientLike, PgPoolLike } from '../pg-pool-like.js'
import { toPostgresError } from '../postgres-errors.js'
import { captureTriggerSql } from './capture-trigger-sql.js'
import { columnTypesInDb } from './column-types-in-db.js'
import {
  type RecordedColumn,
  recordedColumns,
  recordMapping,
  requestBackfill,
} from './installation-records.js'

/** A mapping as `_pgforce_mapping` records it. @internal */
export interface RecordedMapping {
  readonly access: string
  readonly columns: readonly RecordedColumn[]
}

/** What {@link installColumnDrift} found and did for one mapped table. @internal */
export interface ColumnDriftOutcome {
  /** The plan as the table serves it now (kept columns at their own type). */
  readonly plan: MappingSchema
  /** What differs from the describe: retypes made by this call, kept type changes, deleted fields, restored ones. */
  readonly drift: readonly MappingDrift[]
  /** Columns this call retyped: values Postgres refused before may fit now. */
  readonly altered: readonly string[]
}

/** SQLSTATEs of an ALTER that may succeed later (a lock held too long, a deadlock, a cancel). */
const TRANSIENT = new Set(['55P03', '40P01', '57014'])

/**
 * Brings an installed mapped table in line with a plan made from a fresh describe
 * (docs/guides/mappings.md, "When Salesforce changes"): columns whose field grew are widened and
 * columns whose new type holds every value they have are retyped (`ALTER TABLE … ALTER COLUMN …
 * TYPE`), each under a savepoint so one Postgres refuses (a view depends on it) is kept and
 * reported instead; then, when the mapping is the one installed (same columns and access; else
 * `install()` is due and does it), the capture triggers are made again from the plan (a deleted
 * field is no longer captured) and `_pgforce_mapping` records it, missing fields included, and
 * fields back in Salesforce are queued to be loaded for existing rows. One transaction, under the
 * installer's lock; nothing is written when nothing differs.
 * @internal
 */
export async function installColumnDrift(
  pool: PgPoolLike,
  schema: string,
  plan: MappingSchema,
  recorded: RecordedMapping,
): Promise<ColumnDriftOutcome> {
  const table = plan.mapping.table
  const recordedMissing = new Set(recorded.columns.filter((c) => c.gone).map((c) => c.column))
  const types = async (db: Pick<PgPoolLike, 'query'>) =>
    (await columnTypesInDb(db, schema, [table])).get(table) ?? new Map<string, string>()
  const first = resolveColumnDrift(plan, await types(pool), { recordedMissing })
  const matches = sameMapping(first.plan, recorded)
  if (
    first.alters.length === 0 &&
    (!matches || sameRecord(recordedColumns(first.plan), recorded.columns))
  )
    return { plan: first.plan, drift: first.drift, altered: [] }
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('pgforce.install'))`)
    await client.query(`SET LOCAL lock_timeout = '10s'`)
    // Another worker may have done it meanwhile: decide again under the lock.
    const planned = resolveColumnDrift(plan, await types(client), { recordedMissing })
    const refused = new Map<string, string>()
    const altered: string[] = []
    for (const alter of planned.alters) {
      const problem = await alterColumn(client, schema, table, alter.column, alter.to)
      if (problem === undefined) altered.push(alter.column)
      else refused.set(alter.column, problem)
    }
    const final = resolveColumnDrift(plan, await types(client), { recordedMissing, refused })
    if (matches) {
      for (const statement of captureTriggerSql(schema, final.plan)) await client.query(statement)
      await recordMapping(client, schema, final.plan)
      await requestBackfill(
        client,
        schema,
        table,
        final.drift.filter((d) => d.change === 'restored').map((d) => d.column),
      )
    }
    await client.query('COMMIT')
    const made = planned.drift.filter(
      (d) => (d.change === 'widened' || d.change === 'retyped') && altered.includes(d.column),
    )
    return { plan: final.plan, drift: [...made, ...final.drift], altered }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw toPostgresError(error)
  } finally {
    client.release()
  }
}

/** Retypes one column under a savepoint; Postgres's reason when it refuses for good. */
async function alterColumn(
  client: PgClientLike,
  schema: string,
  table: string,
  column: string,
  type: string,
): Promise<string | undefined> {
  await client.query('SAVEPOINT pgforce_alter')
  try {
    await client.query(
      format('ALTER TABLE %I.%I ALTER COLUMN %I TYPE %s', schema, table, column, type),
    )
    await client.query('RELEASE SAVEPOINT pgforce_alter')
    return undefined
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && TRANSIENT.has(code)) throw error
    await client.query('ROLLBACK TO SAVEPOINT pgforce_alter')
    return `Postgres refused to retype the column: ${(error as Error).message}`
  }
}

/** Whether the plan maps what was installed: the same columns (missing ones included) and access. */
function sameMapping(plan: MappingSchema, recorded: RecordedMapping): boolean {
  const columns = recordedColumns(plan).map((c) => c.column)
  const installed = new Set(recorded.columns.map((c) => c.column))
  return (
    recorded.access === plan.mapping.access &&
    columns.length === installed.size &&
    columns.every((c) => installed.has(c))
  )
}

function sameRecord(a: readonly RecordedColumn[], b: readonly RecordedColumn[]): boolean {
  const key = (c: RecordedColumn) => `${c.column}|${c.field}|${c.type ?? ''}|${c.gone ? 1 : 0}`
  const left = a.map(key).sort()
  const right = b.map(key).sort()
  return left.length === right.length && left.every((k, i) => k === right[i])
}
