import format from 'pg-format'
import type { ConflictEvent } from '../mappings/conflict-policy.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { PgClientLike } from '../postgres/pg-pool-like.js'
import { textArrayLiteral } from '../postgres/text-array-literal.js'
import type { ChangeEvent } from '../runs/change-event.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { StoreTransaction } from '../store/sync-store.js'
import { asParameter, castType } from './column-parameter.js'
import { fieldValue } from './record-field.js'
import { resolveConflicts } from './resolve-conflicts.js'

/** What applying one batch of Salesforce records did to the table. */
export interface ApplyCounts {
  inserted: number
  updated: number
  deleted: number
  /** Records changed on both sides, and how each was resolved (report them after commit). */
  conflicts?: ConflictEvent[]
  /** Records whose NEW (unsent, unclaimed) changes were kept over Salesforce's values. */
  unsent?: number
  /** Records read while a push of theirs was in flight: to be read again once it settles. */
  awaitingPush?: readonly string[]
  /** The rows written, when the caller asked for them (`change` events, after commit). */
  changes?: ChangeEvent[]
}

/** Asks {@link applyRecords} for one `change` event per row it writes (and their values). */
export interface ChangeRequest {
  readonly values: boolean
}

/**
 * Writes a batch of Salesforce records into a mapped table, set-based, inside the caller's engine
 * transaction:
 * 0. when some records have no row and no external id to match one on, it first waits for pushes
 *    between creating records and committing their sfids (the insert fence), so a record the app
 *    inserted is never copied back as a second row;
 * 1. rows inserted in Postgres whose sfid is not written back yet are linked on the external id,
 *    so Salesforce's copy does not become a duplicate row;
 * 2. live records are upserted on `sfid` from `unnest()`ed arrays (one statement per batch),
 *    `_hc_lastop = 'SYNCED'`; values are assigned to their columns, never cut to fit (a value
 *    Postgres refuses fails the statement: the caller, `PageApplier`, isolates its record); rows whose values did not change are left untouched (SystemModstamp
 *    has second precision, so an edit in the same second keeps it: every column is compared);
 *    records whose row the app deleted (a DELETE waiting in `_trigger_log`) are not brought back;
 *    unsent Postgres changes are kept, and conflicts are resolved by the mapping's policy
 *    (`resolveConflicts`);
 * 3. deleted records (`IsDeleted = true`) are removed, or kept with `isdeleted = true` when the
 *    mapping's `deleteMode` is `soft`.
 * @internal
 */
export async function applyRecords(
  tx: StoreTransaction,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
  changes?: ChangeRequest,
  settledSinceMs?: number,
): Promise<ApplyCounts> {
  const { client, schema } = tx
  const counts: ApplyCounts = { inserted: 0, updated: 0, deleted: 0 }
  if (changes) counts.changes = []
  if (records.length === 0) return counts
  if (plan.mapping.access === 'read_write')
    await tx.passInsertFence(plan.mapping.table, unmatchable(plan, records))
  const unique = new Map<string, SObjectRecord>()
  for (const record of records) if (typeof record.Id === 'string') unique.set(record.Id, record)
  const soft = plan.mapping.deleteMode === 'soft'
  const live: SObjectRecord[] = []
  const gone: string[] = []
  for (const [id, record] of unique) {
    if (record.IsDeleted === true && !soft) gone.push(id)
    else live.push(record)
  }
  const deletedHere =
    plan.mapping.access === 'read_write'
      ? await tx.unsentChanges.pendingDeletes(
          plan.mapping.table,
          live.map((r) => String(r.Id)),
        )
      : new Set<string>()
  if (deletedHere.size > 0)
    live.splice(0, live.length, ...live.filter((r) => !deletedHere.has(r.Id as string)))
  // Rows the app inserted with a record's external id get its sfid first: the conflict check
  // finds a row's unsent changes by sfid, and would not see those of a row linked after it (an
  // app edit made while the row's insert was in flight would be overwritten).
  if (live.length > 0) await linkByExternalId(client, schema, plan, live)
  // Records whose push settled after the pull began reading: the record read may predate it,
  // and would write the replaced value over the row's. Read again once due (pull_recheck).
  const settled =
    settledSinceMs !== undefined && plan.mapping.access === 'read_write' && live.length > 0
      ? await tx.unsentChanges.settledSince(
          plan.mapping.table,
          live.map((r) => String(r.Id)),
          settledSinceMs,
        )
      : new Set<string>()
  if (settled.size > 0)
    live.splice(0, live.length, ...live.filter((r) => !settled.has(r.Id as string)))
  const resolved = await resolveConflicts(tx, plan, live)
  live.splice(0, live.length, ...resolved.records)
  counts.conflicts = resolved.conflicts
  counts.unsent = resolved.waiting
  if (resolved.inFlight.length > 0 || settled.size > 0)
    counts.awaitingPush = [...resolved.inFlight, ...settled]
  if (live.length > 0) {
    const upserted = changes
      ? await upsertWithChanges(client, schema, plan, live, resolved.unsent, changes, counts)
      : await upsert(client, schema, plan, live, resolved.unsent)
    counts.inserted = upserted.inserted
    counts.updated = upserted.updated
  }
  if (gone.length > 0) {
    const result = await client.query<{ id: number; sfid: string }>(
      format(
        `DELETE FROM %I.%I WHERE sfid = ANY($1::varchar[])${changes ? ' RETURNING id, sfid' : ''}`,
        schema,
        plan.mapping.table,
      ),
      [gone],
    )
    counts.deleted = result.rowCount ?? 0
    for (const row of changes ? result.rows : [])
      counts.changes?.push(deletedRow(plan, Number(row.id), row.sfid))
  }
  return counts
}

/**
 * Sfids of records nothing but their sfid can place (no external id value): if one has no row
 * yet, it may be a record a push has just created and not yet linked to its row.
 */
function unmatchable(plan: MappingSchema, records: readonly SObjectRecord[]): string[] {
  const external = plan.externalId
  return records
    .filter((r) => r.IsDeleted !== true && (!external || r[external] == null || r[external] === ''))
    .map((r) => String(r.Id))
}

async function linkByExternalId(
  client: PgClientLike,
  schema: string,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
): Promise<void> {
  const external = plan.columns.find((c) => c.field === plan.externalId)
  if (!external) return
  const ids: string[] = []
  const values: string[] = []
  for (const record of records) {
    const value = record[external.field]
    if (typeof record.Id === 'string' && value !== null && value !== undefined) {
      ids.push(record.Id)
      values.push(String(value))
    }
  }
  if (ids.length === 0) return
  await client.query(
    format(
      `UPDATE %1$I.%2$I AS t SET sfid = m.sfid
       FROM (
         SELECT DISTINCT ON (u.ext) u.sfid, r.id
         FROM unnest($1::text[], $2::text[]) AS u(sfid, ext)
         JOIN %1$I.%2$I AS r ON r.%3$I = u.ext AND r.sfid IS NULL
         WHERE NOT EXISTS (SELECT 1 FROM %1$I.%2$I AS taken WHERE taken.sfid = u.sfid)
         ORDER BY u.ext, r.id
       ) AS m
       WHERE t.id = m.id`,
      schema,
      plan.mapping.table,
      external.column,
    ),
    [ids, values],
  )
}

/**
 * One multi-row upsert on `sfid`. Rows whose values already match are left alone. `_hc_lastop`
 * becomes SYNCED, except on rows that keep unsent changes (`unsent`): their `_hc_lastop` and
 * `_hc_err` (PENDING, FAILED) stay as they are.
 */
async function upsert(
  client: PgClientLike,
  schema: string,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
  unsent: ReadonlySet<string>,
): Promise<{ inserted: number; updated: number }> {
  const { sql, arrays } = upsertStatement(schema, plan, records, unsent)
  // Counted in Postgres: one row back, not one per record (performance.md, "Memory").
  const { rows } = await client.query<{ inserted: number; written: number }>(
    `WITH u AS (${sql} RETURNING (xmax = 0) AS inserted)
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS written FROM u`,
    arrays,
  )
  const inserted = rows[0]?.inserted ?? 0
  return { inserted, updated: (rows[0]?.written ?? 0) - inserted }
}

/**
 * The same upsert, reporting each row it wrote as a `change` event (into `counts.changes`): the
 * rows as they were are read in the same statement (a CTE sees the statement's snapshot), so the
 * changed columns are those whose value differs.
 */
async function upsertWithChanges(
  client: PgClientLike,
  schema: string,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
  unsent: ReadonlySet<string>,
  request: ChangeRequest,
  counts: ApplyCounts,
): Promise<{ inserted: number; updated: number }> {
  const { sql, arrays } = upsertStatement(schema, plan, records, unsent)
  const columns = plan.columns.filter((c) => c.column !== 'sfid')
  const names = columns.map((c) => format.ident(c.column))
  const changed = columns.map(
    (c, i) =>
      `CASE WHEN o.${names[i]} IS DISTINCT FROM u.${names[i]} THEN ${format('%L', c.column)} END`,
  )
  const values = request.values ? columns.map((_, i) => `, u.${names[i]} AS v${i}`).join('') : ''
  const sfids = `$${arrays.length + 1}::varchar[]`
  const statement = `WITH o AS (
      SELECT sfid${names.map((n) => `, ${n}`).join('')} FROM ${format('%I.%I', schema, plan.mapping.table)}
      WHERE sfid = ANY(${sfids})
    ), u AS (${sql} RETURNING t.id, t.sfid, (xmax = 0) AS inserted${names.map((n) => `, t.${n}`).join('')})
    SELECT u.id, u.sfid, u.inserted, array_remove(ARRAY[${changed.join(', ') || 'NULL'}]::text[], NULL) AS changed${values}
    FROM u LEFT JOIN o ON o.sfid = u.sfid`
  const { rows } = await client.query<
    { id: number; sfid: string; inserted: boolean; changed: string[] } & Record<string, unknown>
  >(statement, [...arrays, records.map((r) => String(r.Id))])
  let inserted = 0
  for (const row of rows) {
    if (row.inserted) inserted += 1
    const event: ChangeEvent = {
      direction: 'pull',
      mapping: plan.object,
      action: row.inserted ? 'INSERT' : 'UPDATE',
      sfid: row.sfid,
      recordId: Number(row.id),
      columns: row.changed,
    }
    if (request.values) {
      const picked: Record<string, unknown> = {}
      columns.forEach((c, i) => {
        if (row.changed.includes(c.column)) picked[c.column] = row[`v${i}`]
      })
      counts.changes?.push({ ...event, values: picked })
    } else counts.changes?.push(event)
  }
  return { inserted, updated: rows.length - inserted }
}

/** A `change` event for a row a pull deleted. */
function deletedRow(plan: MappingSchema, recordId: number, sfid: string): ChangeEvent {
  return { direction: 'pull', mapping: plan.object, action: 'DELETE', sfid, recordId, columns: [] }
}

/** The upsert's statement without its RETURNING clause, and its parameters. */
function upsertStatement(
  schema: string,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
  unsent: ReadonlySet<string>,
): { sql: string; arrays: string[] } {
  const columns = plan.columns
  const arrays = columns.map((column) =>
    textArrayLiteral(
      records.map((record) => asParameter(fieldValue(record, column.field), column)),
    ),
  )
  // NULL for rows that keep their status; 'SYNCED' for the others.
  arrays.push(
    textArrayLiteral(records.map((record) => (unsent.has(record.Id as string) ? null : 'SYNCED'))),
  )
  const aliases = [...columns.map((_, i) => `c${i}`), 'lastop']
  const select = columns.map((c, i) => `u.c${i}::${castType(c.pgType)}`).join(', ')
  const names = columns.map((c) => format.ident(c.column))
  const updates = columns
    .filter((c) => c.column !== 'sfid')
    .map((c) => `${format.ident(c.column)} = excluded.${format.ident(c.column)}`)
  const lastop = 'COALESCE(excluded._hc_lastop, t._hc_lastop)'
  const error = 'CASE WHEN excluded._hc_lastop IS NULL THEN t._hc_err END'
  const sql = `${format('INSERT INTO %I.%I AS t', schema, plan.mapping.table)} (${names.join(', ')}, _hc_lastop, _hc_err)
    SELECT ${select}, u.lastop, NULL
    FROM unnest(${aliases.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${aliases.join(', ')})
    ON CONFLICT (sfid) DO UPDATE SET ${[...updates, `_hc_lastop = ${lastop}`, `_hc_err = ${error}`].join(', ')}
    WHERE (${columns.map((c) => `t.${format.ident(c.column)}`).join(', ')}, t._hc_lastop, t._hc_err)
      IS DISTINCT FROM (${columns.map((c) => `excluded.${format.ident(c.column)}`).join(', ')}, ${lastop}, ${error})`
  return { sql, arrays }
}
