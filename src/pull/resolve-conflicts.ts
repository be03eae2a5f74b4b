import type {
  Conflict,
  ConflictEvent,
  ConflictPolicy,
  ConflictWinner,
} from '../mappings/conflict-policy.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { equalsCaptured, toSalesforceValue } from '../mappings/value-conversion.js'
import { parseHstore } from '../postgres/parse-hstore.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { StoreTransaction } from '../store/sync-store.js'
import type { UnsentUpdate } from '../store/unsent-changes.js'
import { fieldValue } from './record-field.js'

/** A row's unsent UPDATE entries, oldest first, and what is known of its last sync. */
interface Pending {
  readonly recordId: number
  readonly sfid: string
  readonly entries: readonly UnsentUpdate[]
  /** Epoch ms of the last agreement: the row's last pull, or pgforce's last write of the record. */
  readonly lastSyncedMs: number | undefined
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
 * Runs inside a pull's transaction, before its records are written
 * (docs/concepts/change-model.md, "Conflicts"). For every incoming record whose row has unsent
 * UPDATE entries in `_trigger_log` — NEW, PENDING, or FAILED (a rejected change is still the
 * row's value) — locked `FOR UPDATE` for the rest of the transaction, so no push claims them
 * while this is decided:
 * - unsent changes always survive a pull that brings nothing newer (the look-back window re-reads
 *   records): their columns keep the row's values;
 * - a conflict is Salesforce having changed a field the row's unsent changes change too: each
 *   entry's `old` holds the values the row had before the change, so a Salesforce value that
 *   differs from them was written by someone else since (whatever SystemModstamp says: it has
 *   second precision), and pgforce's own pushes, which Salesforce now holds, are not taken for
 *   anyone's change — nor is a value one of the unsent entries gives the field (a push Salesforce
 *   carried out whose commit failed: its entries are NEW again). Salesforce's changes to other fields are simply applied. For entries captured
 *   without `old` (before 0.2) it falls back to times: the last sync is the later of the row's last
 *   pull and pgforce's last successful write of the record (its `_trigger_log_archive` entry);
 * - while a push of the record is in flight (an entry PENDING), its newer SystemModstamp may be
 *   that push's own write: nothing is decided now, the row's changes are kept, and the record is
 *   returned in `inFlight`: the engine reads it again by id once the push has settled
 *   (`PushSettledRereads`), and that pull compares again;
 * - otherwise, when Salesforce changed the record after the last sync, it is a conflict decided by
 *   the mapping's `conflictPolicy`: a Salesforce win drops the row's unsent changes (archived
 *   IGNORED), a Postgres win keeps them. The `conflict` event names the side that was kept.
 * Returns the records to write (with the row's changed values laid over them), the sfids of those
 * whose row keeps unsent changes (their `_hc_lastop` and `_hc_err` stay as they are), and the
 * conflicts.
 * @internal
 */
export async function resolveConflicts(
  tx: StoreTransaction,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
): Promise<{
  records: SObjectRecord[]
  unsent: Set<string>
  conflicts: ConflictEvent[]
  /** Rows whose NEW entries were kept: locked here, a push running meanwhile skipped them. */
  waiting: number
  /** Records with a push in flight: nothing was decided for them, to be read again once it settles. */
  inFlight: string[]
}> {
  const conflicts: ConflictEvent[] = []
  const unsent = new Set<string>()
  const inFlightIds: string[] = []
  let waiting = 0
  const policy = plan.mapping.conflictPolicy
  if (records.length === 0 || plan.mapping.access !== 'read_write')
    return { records: [...records], unsent, conflicts, waiting, inFlight: inFlightIds }
  const pendingBySfid = await lockPending(tx, plan, records)
  if (pendingBySfid.size === 0)
    return { records: [...records], unsent, conflicts, waiting, inFlight: inFlightIds }
  const decided: Decision[] = []
  for (const record of records) {
    const pending = pendingBySfid.get(record.Id as string)
    if (!pending) {
      decided.push({ record })
      continue
    }
    const changes: Record<string, string | null> = {}
    for (const entry of pending.entries) Object.assign(changes, parseHstore(entry.values))
    const salesforceChangedAt = new Date(String(record.SystemModstamp))
    const inFlight = pending.entries.some((e) => e.state === 'PENDING')
    if (inFlight) inFlightIds.push(pending.sfid)
    if (inFlight || !changedInSalesforce(record, pending, plan, salesforceChangedAt)) {
      decided.push({ record, pending, changes, winner: 'postgres' })
      continue
    }
    const conflict: Conflict = {
      mapping: plan.object,
      sfid: pending.sfid,
      recordId: pending.recordId,
      salesforce: record,
      postgres: changes,
      salesforceChangedAt,
      postgresChangedAt: new Date(Math.max(...pending.entries.map((e) => e.changedMs))),
    }
    decided.push({ record, pending, changes, conflict, winner: await decide(policy, conflict) })
  }
  // Salesforce's wins drop the rows' unsent changes (all NEW, and locked by this transaction).
  await tx.unsentChanges.dropForConflict(
    decided.flatMap((d) =>
      d.winner === 'salesforce' ? (d.pending?.entries.map((e) => e.entryId) ?? []) : [],
    ),
  )
  const out: SObjectRecord[] = []
  for (const { record, pending, changes, conflict, winner } of decided) {
    if (!pending || !changes || !winner) {
      out.push(record)
      continue
    }
    if (conflict)
      conflicts.push({
        ...conflict,
        winner,
        policy: typeof policy === 'function' ? 'function' : policy,
      })
    if (winner === 'salesforce') out.push(record)
    else {
      out.push(overlay(record, plan, changes))
      unsent.add(pending.sfid)
      if (pending.entries.some((e) => e.state === 'NEW' || e.state === 'REQUEUE')) waiting += 1
    }
  }
  return { records: out, unsent, conflicts, waiting, inFlight: inFlightIds }
}

/**
 * Whether Salesforce changed, since the row's last sync, a field the row's unsent changes change:
 * by the entries' `old` values when all have them, else by SystemModstamp against the last sync.
 */
function changedInSalesforce(
  record: SObjectRecord,
  pending: Pending,
  plan: MappingSchema,
  salesforceChangedAt: Date,
): boolean {
  if (pending.entries.every((e) => e.old !== null)) {
    // The value each column had before its first unsent change: the row's last agreed value.
    // And every value the unsent changes give it: Salesforce holding one of them is pgforce's own
    // push, carried out but not recorded (its commit failed), not someone else's change.
    const before = new Map<string, string | null>()
    const ours = new Map<string, (string | null)[]>()
    for (const entry of pending.entries) {
      for (const [column, text] of Object.entries(parseHstore(entry.old)))
        if (!before.has(column)) before.set(column, text)
      for (const [column, text] of Object.entries(parseHstore(entry.values)))
        ours.set(column, [...(ours.get(column) ?? []), text])
    }
    return plan.columns.some((column) => {
      if (!before.has(column.column)) return false
      const value = fieldValue(record, column.field)
      const same = (text: string | null) => equalsCaptured(value, text, column.sfType)
      return !same(before.get(column.column) ?? null) && !(ours.get(column.column) ?? []).some(same)
    })
  }
  return pending.lastSyncedMs === undefined || salesforceChangedAt.getTime() > pending.lastSyncedMs
}

/**
 * The unsent UPDATE entries of the rows of `records`, locked for this transaction, grouped by
 * sfid, with each row's last sync: its SystemModstamp or pgforce's last write, whichever is later.
 */
async function lockPending(
  tx: StoreTransaction,
  plan: MappingSchema,
  records: readonly SObjectRecord[],
): Promise<Map<string, Pending>> {
  const table = plan.mapping.table
  const rows = await tx.unsentChanges.lockUpdates(
    table,
    records.map((r) => String(r.Id)),
  )
  if (rows.length === 0) return new Map()
  const writtenAt = await tx.unsentChanges.lastWritten(table, [
    ...new Set(rows.map((r) => r.recordId)),
  ])
  const bySfid = new Map<string, Pending>()
  for (const row of rows) {
    const entries = [...(bySfid.get(row.sfid)?.entries ?? []), row]
    const times = [
      row.syncedAt ? Date.parse(row.syncedAt) : undefined,
      writtenAt.get(row.recordId),
    ].filter((t): t is number => t !== undefined)
    bySfid.set(row.sfid, {
      recordId: row.recordId,
      sfid: row.sfid,
      entries,
      lastSyncedMs: times.length > 0 ? Math.max(...times) : undefined,
    })
  }
  return bySfid
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
