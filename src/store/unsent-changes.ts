import format from 'pg-format'
import type { Queryable } from './queryable.js'

/** One unsent UPDATE of a row, as a pull's conflict check sees it. */
export interface UnsentUpdate {
  readonly recordId: number
  readonly sfid: string
  /** The row's SystemModstamp (ISO instant): when a pull last applied the record. */
  readonly syncedAt: string | null
  readonly entryId: string
  readonly state: 'NEW' | 'PENDING' | 'FAILED' | 'REQUEUE'
  readonly values: string | null
  /** The changed columns' values before the change (NULL for entries captured before 0.2). */
  readonly old: string | null
  /** Epoch ms the change was captured. */
  readonly changedMs: number
}

/**
 * What a pull needs to know of `_trigger_log` before it writes Salesforce's records over rows
 * (docs/concepts/change-model.md): the rows' unsent changes, locked for the pull's transaction so
 * no push claims them while a conflict is decided, when pgforce last wrote each record, and which
 * records have a DELETE on its way. Runs in the pull's transaction. @internal
 */
export class UnsentChangeStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /** The unsent UPDATE entries (NEW, PENDING or FAILED) of the rows of `sfids`, locked, oldest first. */
  async lockUpdates(table: string, sfids: readonly string[]): Promise<UnsentUpdate[]> {
    const { rows } = await this.db.query<{
      record_id: number
      sfid: string
      synced_at: string | null
      entry_id: string
      state: UnsentUpdate['state']
      values: string | null
      old: string | null
      changed_ms: number
    }>(
      format(
        `SELECT r.id AS record_id, r.sfid,
                to_char(r.systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS synced_at,
                l.id::text AS entry_id, l.state, l."values", l.old,
                (extract(epoch FROM l.created_at) * 1000)::float8 AS changed_ms
         FROM %1$I.%2$I AS r
         JOIN %1$I._trigger_log AS l ON l.record_id = r.id AND l.table_name = $1
          AND l.state IN ('NEW', 'PENDING', 'FAILED', 'REQUEUE') AND l.action = 'UPDATE'
         WHERE r.sfid = ANY($2::varchar[])
         ORDER BY l.id
         FOR UPDATE OF l`,
        this.schema,
        table,
      ),
      [table, sfids],
    )
    return rows.map((r) => ({
      recordId: r.record_id,
      sfid: r.sfid,
      syncedAt: r.synced_at,
      entryId: r.entry_id,
      state: r.state,
      values: r.values,
      old: r.old,
      changedMs: Number(r.changed_ms),
    }))
  }

  /** When pgforce last wrote each of these rows' records to Salesforce (epoch ms), by row id. */
  async lastWritten(table: string, recordIds: readonly number[]): Promise<Map<number, number>> {
    if (recordIds.length === 0) return new Map()
    const { rows } = await this.db.query<{ record_id: number; written_ms: number }>(
      format(
        `SELECT record_id, (extract(epoch FROM max(processed_at)) * 1000)::float8 AS written_ms
         FROM %I._trigger_log_archive
         WHERE table_name = $1 AND record_id = ANY($2::int[]) AND state IN ('SUCCESS', 'MERGED')
         GROUP BY record_id`,
        this.schema,
      ),
      [table, recordIds],
    )
    return new Map(rows.map((r) => [r.record_id, Number(r.written_ms)]))
  }

  /** Archives unsent changes as IGNORED ("conflict: Salesforce won"). */
  async dropForConflict(entryIds: readonly string[]): Promise<void> {
    if (entryIds.length === 0) return
    await this.db.query(
      format(
        `WITH moved AS (
           DELETE FROM %1$I._trigger_log WHERE id = ANY($1::bigint[])
           RETURNING id, txid, created_at, updated_at, processed_tx, action, table_name,
                     record_id, sfid, old, "values")
         INSERT INTO %1$I._trigger_log_archive (id, txid, created_at, updated_at, processed_at, processed_tx,
                     state, action, table_name, record_id, sfid, old, "values", sf_message)
         SELECT id, txid, created_at, now(), now(), processed_tx, 'IGNORED', action, table_name,
                record_id, sfid, old, "values", 'conflict: Salesforce won' FROM moved
         ON CONFLICT (id) DO NOTHING`,
        this.schema,
      ),
      [entryIds],
    )
  }

  /**
   * Sfids among `sfids` whose row the app deleted and whose DELETE has not gone through: not sent
   * yet, or FAILED (Salesforce refused it, `DELETE_FAILED`): the row stays deleted until the
   * failure is retried or ignored, as a failed update holds the record's later changes.
   */
  async pendingDeletes(table: string, sfids: readonly string[]): Promise<Set<string>> {
    if (sfids.length === 0) return new Set()
    const { rows } = await this.db.query<{ sfid: string }>(
      format(
        // Two parts, each through its index: the queue's, and the FAILED entries'.
        `SELECT sfid FROM %1$I._trigger_log
         WHERE table_name = $1 AND action = 'DELETE' AND state IN ('NEW', 'PENDING', 'REQUEUE')
           AND sfid = ANY($2::varchar[])
         UNION ALL
         SELECT sfid FROM %1$I._trigger_log
         WHERE table_name = $1 AND state = 'FAILED' AND action = 'DELETE' AND sfid = ANY($2::varchar[])`,
        this.schema,
      ),
      [table, sfids],
    )
    return new Set(rows.map((r) => r.sfid))
  }

  /**
   * Sfids among `sfids` with changes not yet sent: their row has NEW, PENDING or FAILED entries,
   * or the app deleted it and the DELETE is not sent (`engine.verify()` does not call those drift).
   */
  async withUnsent(table: string, sfids: readonly string[]): Promise<Set<string>> {
    if (sfids.length === 0) return new Set()
    const { rows } = await this.db.query<{ sfid: string }>(
      format(
        `SELECT r.sfid FROM %1$I.%2$I AS r
         WHERE r.sfid = ANY($2::varchar[]) AND EXISTS (
           SELECT 1 FROM %1$I._trigger_log AS l
           WHERE l.record_id = r.id AND l.table_name = $1 AND l.state IN ('NEW', 'PENDING', 'FAILED', 'REQUEUE'))
         UNION
         SELECT sfid FROM %1$I._trigger_log
         WHERE table_name = $1 AND action = 'DELETE' AND state IN ('NEW', 'PENDING', 'FAILED', 'REQUEUE')
           AND sfid = ANY($2::varchar[])`,
        this.schema,
        table,
      ),
      [table, sfids],
    )
    return new Set(rows.map((r) => r.sfid))
  }

  /**
   * Sfids among `sfids` whose row had a change pushed and settled since `sinceMs` (the database's
   * clock before a pull read Salesforce, `CursorStore.databaseNowMs()`): a record read before that
   * push holds the value the push replaced, and must not be written over the row's.
   */
  async settledSince(
    table: string,
    sfids: readonly string[],
    sinceMs: number,
  ): Promise<Set<string>> {
    if (sfids.length === 0) return new Set()
    const { rows } = await this.db.query<{ sfid: string }>(
      format(
        `SELECT DISTINCT r.sfid FROM %1$I.%2$I AS r
         JOIN %1$I._trigger_log_archive AS a ON a.record_id = r.id AND a.table_name = $1
          AND a.state IN ('SUCCESS', 'MERGED', 'REQUEUED') AND a.action IN ('INSERT', 'UPDATE')
          AND a.processed_at >= to_timestamp($3::float8 / 1000)
         WHERE r.sfid = ANY($2::varchar[])`,
        this.schema,
        table,
      ),
      [table, sfids, sinceMs],
    )
    return new Set(rows.map((r) => r.sfid))
  }

  /**
   * Of `columns`, those each row of `sfids` has a change waiting to be sent for (NEW, PENDING or
   * FAILED entries that set them), by sfid: a load of those columns leaves them as they are. Also
   * those a push sent and settled since `settledSinceMs` (the database's clock before the load
   * read Salesforce, `CursorStore.databaseNowMs()`): the record read may predate that push, whose
   * value the row holds.
   */
  async waitingColumns(
    table: string,
    sfids: readonly string[],
    columns: readonly string[],
    settledSinceMs: number,
  ): Promise<Map<string, Set<string>>> {
    if (sfids.length === 0 || columns.length === 0) return new Map()
    const { rows } = await this.db.query<{ sfid: string; columns: string[] }>(
      format(
        `SELECT e.sfid, array_agg(DISTINCT k) AS columns
         FROM (
           SELECT r.sfid, l."values" FROM %1$I.%2$I AS r
           JOIN %1$I._trigger_log AS l ON l.record_id = r.id AND l.table_name = $1
            AND l.state IN ('NEW', 'PENDING', 'FAILED', 'REQUEUE') AND l.action IN ('INSERT', 'UPDATE')
           WHERE r.sfid = ANY($2::varchar[])
           UNION ALL
           SELECT r.sfid, a."values" FROM %1$I.%2$I AS r
           JOIN %1$I._trigger_log_archive AS a ON a.record_id = r.id AND a.table_name = $1
            AND a.state IN ('SUCCESS', 'MERGED', 'REQUEUED') AND a.action IN ('INSERT', 'UPDATE')
            AND a.processed_at >= to_timestamp($4::float8 / 1000)
           WHERE r.sfid = ANY($2::varchar[])
         ) AS e
         CROSS JOIN LATERAL unnest(akeys(coalesce(e."values", '')::hstore)) AS k
         WHERE k = ANY($3::text[])
         GROUP BY e.sfid`,
        this.schema,
        table,
      ),
      [table, sfids, columns, settledSinceMs],
    )
    return new Map(rows.map((r) => [r.sfid, new Set(r.columns)]))
  }
}
