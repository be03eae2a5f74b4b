import format from 'pg-format'
import { type DueRecords, dueRecords } from './due-records.js'
import type { Queryable } from './queryable.js'

/** First wait before a record read while its push was in flight is read again. */
const FIRST_RECHECK_MS = 2_000
/** Longest wait between two reads of a record whose push stays in flight (a dead worker's lease). */
const MAX_RECHECK_MS = 60_000

/**
 * `_pgforce_pull_recheck`: records a pull read while a push of theirs was in flight (an entry
 * PENDING). The pull decided nothing for them (Salesforce's newer SystemModstamp may be that
 * push's own write), so they are read again by id once due: 2 s after the first time, doubling
 * up to a minute while the push stays in flight (docs/concepts/delivery-guarantees.md). Rows are
 * written and removed in the transaction of the page that read the record, so a record waits
 * here across failed pulls, pauses, restarts and a change of pull leader. @internal
 */
export class PullRecheckStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /**
   * What a pull needs to know before it starts: whether the table has any records waiting (only
   * then do pages clear them), and up to `limit` that are due, longest waiting first.
   */
  due(table: string, limit: number): Promise<DueRecords> {
    const from = { relation: '_pgforce_pull_recheck', dueColumn: 'due_at' }
    return dueRecords(this.db, this.schema, from, table, limit)
  }

  /**
   * These records were read while their push was in flight: due again in 2 s the first time, and
   * each time one is read when due and still in flight, twice as long, up to a minute. One read
   * again before it is due (the look-back of a poll) leaves its due time as it is.
   */
  async add(table: string, sfids: readonly string[]): Promise<void> {
    if (sfids.length === 0) return
    await this.db.query(
      format(
        `INSERT INTO %I._pgforce_pull_recheck AS r (table_name, sfid, due_at, attempts)
         SELECT $1, s, now() + make_interval(secs => $3::float8 / 1000), 1
         FROM unnest($2::varchar[]) AS s
         ON CONFLICT (table_name, sfid) DO UPDATE
           SET attempts = CASE WHEN r.due_at <= now() THEN r.attempts + 1 ELSE r.attempts END,
               due_at = CASE WHEN r.due_at <= now()
                 THEN now() + make_interval(secs =>
                   least($4::float8, $3::float8 * power(2, r.attempts)) / 1000)
                 ELSE r.due_at END`,
        this.schema,
      ),
      [table, [...new Set(sfids)], FIRST_RECHECK_MS, MAX_RECHECK_MS],
    )
  }

  /** In how many ms the table's next record is due (0 when one is due now), or `undefined`. */
  async nextDueInMs(table: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ wait_ms: number | null }>(
      format(
        `SELECT greatest(0, extract(epoch FROM min(due_at) - now()) * 1000)::float8 AS wait_ms
         FROM %I._pgforce_pull_recheck WHERE table_name = $1`,
        this.schema,
      ),
      [table],
    )
    return rows[0]?.wait_ms ?? undefined
  }

  /** These records were read and decided: they wait no more. */
  async clear(table: string, sfids: readonly string[]): Promise<void> {
    if (sfids.length === 0) return
    await this.db.query(
      format(
        'DELETE FROM %I._pgforce_pull_recheck WHERE table_name = $1 AND sfid = ANY($2::varchar[])',
        this.schema,
      ),
      [table, sfids],
    )
  }
}
