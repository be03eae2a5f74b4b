import format from 'pg-format'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { withEngineTransaction } from '../postgres/engine-transaction.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { ChangeAction, ChangeEntry, EntryResult } from '../strategies/write-strategy.js'
import type { InsertFence } from './insert-fence.js'

/**
 * Records outcomes in one transaction: entry states (SUCCESS/MERGED/IGNORED moved to the archive,
 * FAILED kept with `sf_message`, deferred back to NEW), `sfid` written back on inserts, and the
 * rows' `_hc_lastop` / `_hc_err`; and lifts the round's insert fence, if given, in the same
 * transaction as the sfids it guarded.
 * Returns the ids of the entries it settled.
 * @internal
 */
export async function settleOutcomes(
  options: { readonly pool: PgPoolLike; readonly schema: string },
  plan: MappingSchema,
  entries: readonly ChangeEntry[],
  results: readonly EntryResult[],
  how: {
    readonly requeued: ReadonlySet<number>
    /** The claim (the claiming transaction's id) this worker holds an entry under, if any. */
    readonly claimOf: (entryId: number) => string | undefined
    readonly fence?: InsertFence
  },
): Promise<number[]> {
  const { schema } = options
  const table = plan.mapping.table
  const byId = new Map(entries.map((e) => [e.id, e]))
  const ids: number[] = []
  const states: string[] = []
  const messages: (string | null)[] = []
  const claims: (string | null)[] = []
  /**
   * Each row's update, by row id: one per row. Two outcomes of one row can share a commit (calls
   * that answered while the commit before ran), and one UPDATE … FROM would apply either, by
   * chance: the later entry's outcome is the row's (a failure after an insert shows FAILED), and
   * an sfid either learned is kept.
   */
  const rows = new Map<number, RowUpdate>()
  // In id order: the log's rows are locked in the order a pull locks them.
  for (const result of [...results].sort((a, b) => a.entryId - b.entryId)) {
    const entry = byId.get(result.entryId)
    if (!entry) continue
    ids.push(entry.id)
    claims.push(how.claimOf(entry.id) ?? null)
    states.push(stateAfter(result.outcome, how.requeued.has(entry.id)))
    messages.push(result.error ? `${result.error.statusCode}: ${result.error.message}` : null)
    const op = rowOperation(entry.action, result.outcome)
    if (op && entry.action !== 'DELETE') {
      rows.set(entry.recordId, {
        entryId: entry.id,
        sfid: result.sfid ?? rows.get(entry.recordId)?.sfid ?? null,
        op,
        error: result.error ? JSON.stringify({ op: entry.action, ...result.error }) : null,
      })
    }
  }
  await withEngineTransaction(
    options.pool,
    async (client) => {
      // The log first, then the rows, as a pull locks them (no deadlock between the two). The
      // log's changes are one statement, whose parts touch disjoint entries.
      // Only entries still claimed under this worker's claim: one whose lease ran out during its
      // call may be another worker's now, sending it again; its outcome is that worker's to record
      // (the entry and the row), or the record's next change could overtake the one in flight.
      const { rows: applied } = await client.query<{ id: string }>(
        format(
          `WITH outcome AS (
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $5::bigint[]) AS u(id, state, message, tx)
           ), moved AS (
             -- done entries go straight to the archive, with their final state
             DELETE FROM %1$I._trigger_log AS l USING outcome AS o
             WHERE l.id = o.id AND l.state = 'PENDING' AND l.processed_tx = o.tx
               AND o.state IN ('SUCCESS', 'REQUEUED', 'MERGED', 'IGNORED')
             RETURNING l.id, l.txid, l.created_at, now() AS updated_at, now() AS processed_at,
                       l.processed_tx, o.state, l.action, l.table_name, l.record_id, l.sfid, l.old,
                       l."values", l.sf_result, o.message AS sf_message
           ), kept AS (
             -- FAILED entries stay with their message; deferred ones go back to NEW
             UPDATE %1$I._trigger_log AS l
             SET state = o.state, sf_message = o.message, updated_at = now(),
                 processed_at = CASE WHEN o.state IN ('NEW', 'REQUEUE') THEN NULL ELSE now() END
             FROM outcome AS o
             WHERE l.id = o.id AND l.state = 'PENDING' AND l.processed_tx = o.tx
               AND o.state NOT IN ('SUCCESS', 'REQUEUED', 'MERGED', 'IGNORED')
             RETURNING l.id
           ), fence AS (
             DELETE FROM %1$I._pgforce_insert_fence WHERE id = $4
           ), archived AS (
             INSERT INTO %1$I._trigger_log_archive (id, txid, created_at, updated_at, processed_at,
                         processed_tx, state, action, table_name, record_id, sfid, old, "values",
                         sf_result, sf_message)
             SELECT * FROM moved ON CONFLICT (id) DO NOTHING
           )
           SELECT id FROM moved UNION ALL SELECT id FROM kept`,
          schema,
        ),
        [ids, states, messages, how.fence?.id ?? null, claims],
      )
      // The rows of entries that were not ours are left to their new holder.
      const ours = new Set(applied.map((row) => Number(row.id)))
      const mine = [...rows].filter(([, row]) => ours.has(row.entryId))
      if (mine.length === 0) return
      // The rows are locked first, in id order, so the UPDATE's snapshot (its own statement's)
      // is taken once no app edit of them is in flight: otherwise an edit committed while the
      // UPDATE waited for its row kept its new entry out of the "newer edit" lookup, and the row
      // showed the sent change's INSERTED/UPDATED over the edit's PENDING.
      await client.query(
        format(
          'SELECT 1 FROM %I.%I WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE',
          schema,
          table,
        ),
        [mine.map(([id]) => id)],
      )
      const { rows: written } = await client.query<{ id: number }>(
        format(
          `UPDATE %1$I.%2$I AS t
           SET sfid = COALESCE(t.sfid, u.sfid),
               -- a failure always shows; a success leaves a row with a newer edit waiting PENDING
               _hc_lastop = CASE WHEN coalesce(newer.max_id, 0) <= u.entry_id OR u.op = 'FAILED' THEN u.op ELSE t._hc_lastop END,
               _hc_err = CASE WHEN coalesce(newer.max_id, 0) <= u.entry_id OR u.op = 'FAILED' THEN u.err ELSE t._hc_err END
           FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(id, sfid, op, err, entry_id)
           -- the newest entry still waiting for each row: one lookup of _trigger_log_idx_new_by_record
           -- per row (a join over the whole list was planned as a scan of every waiting entry,
           -- repeated for each row, when the log's statistics were stale)
           LEFT JOIN LATERAL (
             SELECT max(n.id) AS max_id FROM %1$I._trigger_log AS n
             WHERE n.table_name = $6 AND n.state = 'NEW' AND n.record_id = u.id
           ) AS newer ON true
           -- (the id list again: the planner uses the key even before the table is analysed)
           WHERE t.id = u.id AND t.id = ANY($1::int[])
           RETURNING t.id`,
          schema,
          table,
        ),
        [
          mine.map(([id]) => id),
          mine.map(([, row]) => row.sfid),
          mine.map(([, row]) => row.op),
          mine.map(([, row]) => row.error),
          mine.map(([, row]) => row.entryId),
          table,
        ],
      )
      /** Records Salesforce answered with their sfid (row id → sfid): a create among them. */
      const created = new Map(
        mine.flatMap(([id, row]) => (row.sfid === null ? [] : [[id, row.sfid] as const])),
      )
      // A created record whose row the app deleted meanwhile: its later entries were captured
      // without an sfid, and the row that would give them one is gone. They get it here, after the
      // rows (a delete that committed while this waited for the row is seen), or the delete would
      // be ignored and the record stay in Salesforce (docs/concepts/delivery-guarantees.md). These
      // entries are locked after the rows, but no pull locks them (they have no row), and claims
      // skip locked entries.
      for (const row of written) created.delete(Number(row.id))
      if (created.size === 0) return
      await client.query(
        format(
          `UPDATE %1$I._trigger_log AS l SET sfid = u.sfid
           FROM unnest($1::int[], $2::text[]) AS u(id, sfid)
           WHERE l.table_name = $3 AND l.record_id = u.id AND l.sfid IS NULL
             AND l.action IN ('UPDATE', 'DELETE') AND l.state IN ('NEW', 'PENDING', 'REQUEUE')`,
          schema,
        ),
        [[...created.keys()], [...created.values()], table],
      )
    },
    { byKey: true },
  )
  return ids
}

/** What a settle writes to one row. */
interface RowUpdate {
  readonly entryId: number
  readonly sfid: string | null
  readonly op: string
  readonly error: string | null
}

/** An entry's state after an outcome (Heroku Connect's states, reference heroku-connect.md §1.5). */
const STATE = {
  success: 'SUCCESS',
  failed: 'FAILED',
  merged: 'MERGED',
  ignored: 'IGNORED',
  deferred: 'NEW',
} as const

/** The state for an outcome; an entry an operator requeued ends `REQUEUED`, or waits as `REQUEUE`. */
function stateAfter(outcome: EntryResult['outcome'], requeued: boolean): string {
  if (requeued && outcome === 'success') return 'REQUEUED'
  if (requeued && outcome === 'deferred') return 'REQUEUE'
  return STATE[outcome]
}

function rowOperation(action: ChangeAction, outcome: EntryResult['outcome']): string | undefined {
  if (outcome === 'failed') return 'FAILED'
  if (outcome !== 'success') return undefined
  return action === 'INSERT' ? 'INSERTED' : action === 'UPDATE' ? 'UPDATED' : 'DELETED'
}
