import format from 'pg-format'
import type {
  Conflict,
  ConflictEvent,
  ConflictPolicy,
  ConflictWinner,
} from '../mappings/conflict-policy.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { toSalesforceValue } from '../mappings/value-conversion.js'
import { parseHstore } from '../postgres/parse-hstore.js'
import type { PgClientLike } from '../postgres/pg-pool-like.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'

interface Pending {
  record_id: number
  sfid: string
  /** The row's SystemModstamp as UTC ISO text: when it was last synced. */
  synced_at: string | null
  entry_ids: string[]
  values: (string | null)[]
  /** Epoch ms of the newest unsent change. */
  changed_ms: number
}

/** One incoming record, its row's unsent changes (if any), and the conflict decision (if one). */
interface Decision {
  readonly record: SObjectRecord
  readonly pending?: Pending
  readonly changes?: Readonly<Record<string, string | null>>
  readonly conflict?: Conflict
  readonly winner?: ConflictWinner
}

/**
 * Runs inside a pull's transaction, before its records are written (DESIGN.md §5). For every
 * incoming record whose row has unsent UPDATE entries in `_trigger_log`:
 * - unsent changes always survive a pull that brings nothing newer (the look-back window re-reads
 *   records): their columns keep the row's values;
 * - when Salesforce changed the record after the row's last sync too, it is a conflict, decided
 *   by the mapping's `conflictPolicy`: a Salesforce win drops the row's unsent changes (entries archived IGNORED, unless
 *   a push claimed them meanwhile, which then wins), a Postgres win keeps them.
 * Returns the records to write (with the row's changed values laid over them) and the conflicts.
 * @internal
 */
export async function resolveConflicts(
  client: PgClientLike,
  schema: string,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
): Promise<{ records: SObjectRecord[]; conflicts: ConflictEvent[] }> {
  const conflicts: ConflictEvent[] = []
  const policy = plan.mapping.conflictPolicy
  if (records.length === 0 || plan.mapping.access !== 'read_write')
    return { records: [...records], conflicts }
  const { rows } = await client.query<Pending>(
    format(
      `SELECT r.id AS record_id, r.sfid,
              to_char(r.systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS synced_at,
              array_agg(l.id::text ORDER BY l.id) AS entry_ids,
              array_agg(l."values" ORDER BY l.id) AS values,
              (extract(epoch FROM max(l.created_at)) * 1000)::float8 AS changed_ms
       FROM %1$I.%2$I AS r
       JOIN %1$I._trigger_log AS l ON l.record_id = r.id AND l.table_name = $1
        AND l.state IN ('NEW', 'PENDING') AND l.action = 'UPDATE'
       WHERE r.sfid = ANY($2::varchar[])
       GROUP BY r.id, r.sfid, r.systemmodstamp`,
      schema,
      plan.mapping.table,
    ),
    [plan.mapping.table, records.map((r) => r.Id)],
  )
  if (rows.length === 0) return { records: [...records], conflicts }
  const pendingBySfid = new Map(rows.map((row) => [row.sfid, row]))
  const decided: Decision[] = []
  for (const record of records) {
    const pending = pendingBySfid.get(record.Id as string)
    if (!pending) {
      decided.push({ record })
      continue
    }
    const changes: Record<string, string | null> = {}
    for (const text of pending.values) Object.assign(changes, parseHstore(text))
    const salesforceChangedAt = new Date(String(record.SystemModstamp))
    const lastSynced = pending.synced_at ? Date.parse(pending.synced_at) : undefined
    if (lastSynced !== undefined && salesforceChangedAt.getTime() <= lastSynced) {
      decided.push({ record, pending, changes, winner: 'postgres' })
      continue
    }
    const conflict: Conflict = {
      mapping: plan.object,
      sfid: pending.sfid,
      recordId: pending.record_id,
      salesforce: record,
      postgres: changes,
      salesforceChangedAt,
      postgresChangedAt: new Date(Number(pending.changed_ms)),
    }
    decided.push({ record, pending, changes, conflict, winner: await decide(policy, conflict) })
  }
  // Salesforce's wins drop the rows' unsent changes, all in one statement. A record some of whose
  // entries a push claimed meanwhile goes to Postgres after all: its changes are on their way.
  const dropped = await dropChanges(
    client,
    schema,
    decided.flatMap((d) => (d.winner === 'salesforce' ? (d.pending?.entry_ids ?? []) : [])),
  )
  const out: SObjectRecord[] = []
  for (const { record, pending, changes, conflict, winner } of decided) {
    if (!pending || !changes) {
      out.push(record)
      continue
    }
    const kept =
      winner === 'salesforce' && pending.entry_ids.every((id) => dropped.has(id))
        ? 'salesforce'
        : 'postgres'
    if (conflict)
      conflicts.push({
        ...conflict,
        winner: kept,
        policy: typeof policy === 'function' ? 'function' : policy,
      })
    out.push(kept === 'salesforce' ? record : overlay(record, plan, changes))
  }
  return { records: out, conflicts }
}

async function decide(policy: ConflictPolicy, conflict: Conflict): Promise<ConflictWinner> {
  if (typeof policy === 'function')
    return (await policy(conflict)) === 'salesforce' ? 'salesforce' : 'postgres'
  if (policy === 'salesforce-wins') return 'salesforce'
  if (policy === 'postgres-wins') return 'postgres'
  return conflict.salesforceChangedAt.getTime() > conflict.postgresChangedAt.getTime()
    ? 'salesforce'
    : 'postgres'
}

/** Archives unsent changes as IGNORED; returns the ids it moved (a push may have claimed others). */
async function dropChanges(
  client: PgClientLike,
  schema: string,
  entryIds: readonly string[],
): Promise<Set<string>> {
  if (entryIds.length === 0) return new Set()
  const { rows } = await client.query<{ id: string }>(
    format(
      `WITH moved AS (
         DELETE FROM %1$I._trigger_log WHERE id = ANY($1::bigint[]) AND state = 'NEW'
         RETURNING id, txid, created_at, updated_at, processed_tx, action, table_name,
                   record_id, sfid, old, "values"),
       archived AS (
         INSERT INTO %1$I._trigger_log_archive (id, txid, created_at, updated_at, processed_at, processed_tx,
                     state, action, table_name, record_id, sfid, old, "values", sf_message)
         SELECT id, txid, created_at, now(), now(), processed_tx, 'IGNORED', action, table_name,
                record_id, sfid, old, "values", 'conflict: Salesforce won' FROM moved
         ON CONFLICT (id) DO NOTHING)
       SELECT id::text FROM moved`,
      schema,
    ),
    [entryIds],
  )
  return new Set(rows.map((r) => r.id))
}

/** The record with the row's unsent column values in place of Salesforce's. */
function overlay(
  record: SObjectRecord,
  plan: MappingSchema,
  changes: Readonly<Record<string, string | null>>,
): SObjectRecord {
  const out: SObjectRecord = { ...record }
  for (const column of plan.columns) {
    if (column.system || !(column.column in changes)) continue
    const value = toSalesforceValue(changes[column.column] ?? null, column.sfType)
    if (column.lookup) out[column.lookup.relationship] = { [column.lookup.parentField]: value }
    else out[column.field] = value
  }
  return out
}
