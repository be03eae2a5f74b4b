import format from 'pg-format'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { withEngineTransaction } from '../postgres/engine-transaction.js'
import { parseHstore } from '../postgres/parse-hstore.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { ChangeAction, ChangeEntry, EntryResult } from '../strategies/write-strategy.js'
import { HeldClaims } from './held-claims.js'
import type { InsertFence } from './insert-fence.js'
import { settleOutcomes } from './settle-outcomes.js'

/** Options of {@link TriggerLogQueue}. @internal */
export interface TriggerLogQueueOptions {
  readonly pool: PgPoolLike
  readonly schema: string
  /**
   * How long a claim holds without a renewal: PENDING entries not renewed for this long (their
   * worker died) are claimable again. Held claims are renewed every third of it.
   */
  readonly leaseMs: number
}

interface EntryRow {
  id: string
  action: ChangeAction
  record_id: number
  sfid: string | null
  row_sfid: string | null
  values: string | null
}

/**
 * The `_trigger_log` as a work queue (docs/concepts/design.md §5). `claim()`
 * moves NEW entries (and PENDING ones whose lease ran out: their worker died) to PENDING with
 * `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers never claim the same entry. `settle()` records every outcome and the row
 * updates it implies in one engine transaction; `release()` gives claimed entries back. Claims
 * held are renewed while held, and `takeUp()` checks a batch claimed ahead before it goes out
 * ({@link HeldClaims}).
 * @internal
 */
export class TriggerLogQueue {
  private readonly options: TriggerLogQueueOptions
  /**
   * Entries this queue claimed and could not give back (the database was unreachable when a round
   * failed): given back before the next claim, so they go out once Postgres is back instead of
   * waiting out the lease (10 minutes by default).
   */
  private readonly unreleased = new Map<number, string>()
  /** Claims made and not yet settled or given back, renewed while held. */
  private readonly claims: HeldClaims
  /**
   * Entries this queue claimed from `REQUEUE` (an operator asked for them to be sent again): they
   * end `REQUEUED` when Salesforce accepts them, and go back to `REQUEUE` when given back.
   */
  private readonly requeued = new Set<number>()
  /** When this queue last refreshed statistics, per mapped table (see `analyzeWhenGrown`). */
  private readonly analyzedAt = new Map<string, number>()
  /** A refresh of statistics under way (see `analyzeWhenGrown`): the next claim waits for it. */
  private analyzing: Promise<{ readonly error?: unknown }> | undefined

  constructor(options: TriggerLogQueueOptions) {
    this.options = options
    this.claims = new HeldClaims(options)
  }

  /**
   * Claims up to `limit` entries of a mapping with ids above `afterId`, oldest first. An entry
   * whose record has an earlier entry still to be sent that this claim does not hold (another
   * worker's live claim, an entry another claim has locked, one deferred earlier in this pass) is
   * left NEW: a record's changes reach Salesforce in order even with several workers. Entries of a
   * record with a FAILED entry are not claimed at all: they wait for `retryFailed()` or
   * `ignoreFailed()`.
   * An entry an operator set to `REQUEUE` is claimed like a NEW one, in its place in its record's
   * order. The first claim of a pass (`afterId` 0) also applies, in the same statement, the
   * mapping's other operator states (docs/reference/database-objects.md): a live entry set to `IGNORE` is archived
   * `IGNORED` (not sent), an archived entry set to `REQUEUE` is copied back into the log as a NEW
   * entry (values as recorded) and marked `REQUEUED`, one set to `IGNORE` becomes `IGNORED`.
   * `scannedTo` is the last id looked at (claimed or left), where the next round goes on from;
   * `left` how many were looked at and left NEW.
   *
   * `inFlight` are entries this queue's caller claimed and is sending now, whose outcomes it
   * commits before it sends anything of this claim (a claim made ahead, while the round before
   * runs): a later entry of their records is claimed instead of left NEW. The caller then holds it
   * back if the earlier entry does not go through (see `SalesforcePush`). `refreshStatistics:
   * false` leaves the statistics alone even when the claim is full (a small first claim: the full
   * one after it refreshes them).
   */
  async claim(
    plan: MappingSchema,
    limit: number,
    afterId: number,
    options: { readonly inFlight?: readonly number[]; readonly refreshStatistics?: boolean } = {},
  ): Promise<{
    entries: ChangeEntry[]
    scannedTo: number | undefined
    left: number
    /** When the claim was asked for (`Date.now()`): its lease is at most this old. */
    claimedAt: number
  }> {
    const { schema } = this.options
    const table = plan.mapping.table
    const analyzing = this.analyzing
    this.analyzing = undefined
    const analyzed = await analyzing
    if (analyzed?.error) throw analyzed.error
    if (this.unreleased.size > 0) await this.release([...this.unreleased.keys()])
    const claimedAt = Date.now()
    const rows = await withEngineTransaction(
      this.options.pool,
      async (client) => {
        const result = await client.query<
          EntryRow & { scanned_to: string | null; scanned: number; was: string | null; tx: string }
        >(
          format(
            `WITH candidates AS (
             SELECT id, record_id, state FROM %1$I._trigger_log
             WHERE table_name = $1 AND id > $2
               -- the queue index's own predicate: its order (table_name, id) serves ORDER BY … LIMIT,
               -- so a claim reads about as many entries as it claims, however long the queue is
               AND state IN ('NEW', 'PENDING', 'REQUEUE', 'IGNORE')
               AND (state IN ('NEW', 'REQUEUE')
                    OR (state = 'PENDING' AND updated_at < now() - make_interval(secs => $3)))
               -- a record whose change failed keeps its later changes back until it is retried or ignored
               AND NOT EXISTS (SELECT 1 FROM %1$I._trigger_log AS f
                               WHERE f.table_name = $1 AND f.state = 'FAILED' AND f.record_id = _trigger_log.record_id)
             ORDER BY id LIMIT $4
             FOR UPDATE SKIP LOCKED
           ), waiting AS (
             SELECT e.record_id, min(e.id) AS first_id FROM %1$I._trigger_log AS e
             WHERE e.table_name = $1 AND e.state IN ('NEW', 'PENDING', 'REQUEUE')
               AND e.id < (SELECT max(id) FROM candidates)
               AND e.record_id IN (SELECT record_id FROM candidates)
               AND e.id NOT IN (SELECT id FROM candidates UNION ALL SELECT unnest($5::bigint[]))
             GROUP BY e.record_id
           ), claimed AS (
             UPDATE %1$I._trigger_log AS l SET state = 'PENDING', updated_at = now(), processed_tx = txid_current()
             FROM candidates AS c
             WHERE l.id = c.id
               AND NOT EXISTS (SELECT 1 FROM waiting AS w WHERE w.record_id = c.record_id AND w.first_id < c.id)
             RETURNING l.id, l.action, l.record_id, l.sfid, l."values", c.state AS was)
           ${OPERATOR_STATES}
           SELECT c.id, c.action, c.record_id, c.sfid, r.sfid AS row_sfid, c."values", s.scanned_to, s.scanned,
                  c.was, txid_current()::text AS tx
           FROM (SELECT max(id) AS scanned_to, count(*)::int AS scanned FROM candidates) AS s
           LEFT JOIN claimed AS c ON true
           LEFT JOIN %1$I.%2$I AS r ON r.id = c.record_id
           ORDER BY c.id`,
            schema,
            table,
          ),
          [table, afterId, this.options.leaseMs / 1000, limit, options.inFlight ?? []],
        )
        return result.rows
      },
      { byKey: true },
    )
    const scanned = rows[0]?.scanned_to
    // The round of this claim runs meanwhile; the next claim waits for the statistics.
    if ((rows[0]?.scanned ?? 0) >= limit && options.refreshStatistics !== false)
      this.analyzing = this.analyzeWhenGrown(table).then(
        () => ({}),
        (error: unknown) => ({ error }),
      )
    for (const row of rows) {
      if (row.id === null) continue
      if (row.was === 'REQUEUE') this.requeued.add(Number(row.id))
      else this.requeued.delete(Number(row.id))
    }
    const entries = rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        id: Number(row.id),
        action: row.action,
        recordId: row.record_id,
        // A delete's record is the one its row had when deleted (the log's sfid, filled in by the
        // settle of an insert that was in flight): a row inserted since with the same id is
        // another record.
        sfid: row.action === 'DELETE' ? row.sfid : (row.row_sfid ?? row.sfid),
        values: parseHstore(row.values),
      }))
    if (entries.length > 0)
      this.claims.add(
        entries.map((e) => e.id),
        rows[0]?.tx ?? '0',
      )
    return {
      entries,
      scannedTo: scanned === null || scanned === undefined ? undefined : Number(scanned),
      left: (rows[0]?.scanned ?? 0) - entries.length,
      claimedAt,
    }
  }

  /**
   * Renews the claims of `entryIds` and returns those still this worker's, before they go out: a
   * batch that waited longer than the lease (claimed ahead of a slow round, with renewals failing)
   * may have been claimed by another worker, which sends it instead.
   */
  async takeUp(entryIds: readonly number[]): Promise<Set<number>> {
    const kept = await this.claims.takeUp(entryIds)
    for (const id of entryIds) if (!kept.has(id)) this.requeued.delete(id)
    return kept
  }

  /**
   * Refreshes the planner's statistics of `_trigger_log` and the mapped table when a claim finds a
   * full batch, at most once a minute: a backlog that grew in seconds (an app's bulk insert) is far
   * beyond what the statistics say until autovacuum analyses it, and a claim planned for a
   * near-empty queue loops over every entry it claims, a settle scans the whole table
   * (docs/concepts/design.md §5). `ANALYZE` samples, so it costs the same
   * for 10 000 entries as for 1 000 000, and it blocks no writer; it is skipped rather than waited
   * for when autovacuum holds the table. It runs beside the round of the claim that found the
   * batch (whose settles name their rows by key); the next claim waits for it.
   */
  private async analyzeWhenGrown(table: string): Promise<void> {
    const now = Date.now()
    if (now - (this.analyzedAt.get(table) ?? 0) < 60_000) return
    this.analyzedAt.set(table, now)
    await withEngineTransaction(this.options.pool, async (client) => {
      await client.query("SET LOCAL lock_timeout = '100ms'")
      await client.query(format('ANALYZE %1$I._trigger_log, %1$I.%2$I', this.options.schema, table))
    }).catch((error: unknown) => {
      // autovacuum (or another worker) is analysing it: the statistics are being refreshed anyway
      if ((error as { sqlState?: string }).sqlState !== '55P03') throw error
    })
  }

  /**
   * Returns claimed entries to NEW (to REQUEUE if claimed from it): the push failed as a whole and
   * will be retried. Only this worker's claims are given back (an entry another worker claimed
   * once the lease ran out stays its). If that fails too, the entries are remembered, no longer
   * renewed, and given back before the next claim.
   */
  async release(entryIds: readonly number[]): Promise<void> {
    if (entryIds.length === 0) return
    const held = this.claims.claimsOf(entryIds)
    const holding = new Set(held.ids)
    for (const id of entryIds) {
      const tx = this.unreleased.get(id)
      if (tx === undefined || holding.has(id)) continue
      held.ids.push(id)
      held.txs.push(tx)
    }
    this.claims.drop(held.ids)
    const requeued = held.ids.filter((id) => this.requeued.has(id))
    try {
      await withEngineTransaction(this.options.pool, (client) =>
        client.query(
          format(
            `UPDATE %I._trigger_log AS l
             SET state = CASE WHEN l.id = ANY($3::bigint[]) THEN 'REQUEUE' ELSE 'NEW' END,
               updated_at = now()
             FROM unnest($1::bigint[], $2::bigint[]) AS u(id, tx)
             WHERE l.id = u.id AND l.processed_tx = u.tx AND l.state = 'PENDING'`,
            this.options.schema,
          ),
          [held.ids, held.txs, requeued],
        ),
      )
    } catch (error) {
      held.ids.forEach((id, i) => {
        this.unreleased.set(id, held.txs[i] ?? '0')
      })
      throw error
    }
    for (const id of entryIds) {
      this.unreleased.delete(id)
      this.requeued.delete(id)
    }
  }

  /**
   * Records outcomes in one transaction ({@link settleOutcomes}); the entries settled are no
   * longer held.
   */
  async settle(
    plan: MappingSchema,
    entries: readonly ChangeEntry[],
    results: readonly EntryResult[],
    fence?: InsertFence,
  ): Promise<void> {
    const settled = await settleOutcomes(this.options, plan, entries, results, {
      requeued: this.requeued,
      claimOf: (id) => this.claims.claimOf(id),
      ...(fence && { fence }),
    })
    for (const id of settled) this.requeued.delete(id)
    this.claims.drop(settled)
    fence?.stopRenewing()
  }
}

/**
 * More CTEs of the claim statement (`%1$I` the schema, `$1` the table, `$2` the claim's
 * `afterId`): on the first claim of a pass, the operator states that need no Salesforce call.
 * Live `IGNORE` entries are archived `IGNORED`; archived `REQUEUE` entries are copied back into
 * the log as NEW entries (in their order, values as recorded), which a later claim takes, and
 * marked `REQUEUED`; archived `IGNORE` entries become `IGNORED`. Each finds its entries through a
 * partial index (`_trigger_log_idx_queue`, `_trigger_log_archive_idx_operator`).
 */
const OPERATOR_STATES = `, dropped AS (
             DELETE FROM %1$I._trigger_log WHERE $2 = 0 AND table_name = $1 AND state = 'IGNORE'
             RETURNING id, txid, created_at, processed_tx, action, table_name, record_id, sfid, old,
                       "values", sf_result, sf_message
           ), dropped_archived AS (
             INSERT INTO %1$I._trigger_log_archive (id, txid, created_at, updated_at, processed_at,
                         processed_tx, state, action, table_name, record_id, sfid, old, "values",
                         sf_result, sf_message)
             SELECT id, txid, created_at, now(), now(), processed_tx, 'IGNORED', action, table_name,
                    record_id, sfid, old, "values", sf_result, sf_message FROM dropped
             ON CONFLICT (id) DO NOTHING
           ), archived_ignored AS (
             UPDATE %1$I._trigger_log_archive SET state = 'IGNORED', updated_at = now()
             WHERE $2 = 0 AND table_name = $1 AND state = 'IGNORE'
           ), requeued AS (
             UPDATE %1$I._trigger_log_archive SET state = 'REQUEUED', updated_at = now()
             WHERE $2 = 0 AND table_name = $1 AND state = 'REQUEUE'
             RETURNING id, action, table_name, record_id, sfid, old, "values"
           ), requeued_copies AS (
             INSERT INTO %1$I._trigger_log (txid, state, action, table_name, record_id, sfid, old, "values")
             SELECT txid_current(), 'NEW', action, table_name, record_id, sfid, old, "values"
             FROM requeued ORDER BY id
           )`
