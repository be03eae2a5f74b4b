import format from 'pg-format'
import { PostgresError } from '../errors/postgres-error.js'
import type { PgClientLike, PgPoolLike } from '../postgres/pg-pool-like.js'

/**
 * Lifting a fence does not wait for the WAL to reach disk (`synchronous_commit = off` for that
 * statement's own transaction; other sessions see the row gone at once): a lift lost in a server
 * crash only leaves the fence up until it expires. Raising one does wait: a raise lost in a crash
 * would open the window the fence closes.
 */
const NO_FLUSH = `(SELECT set_config('synchronous_commit', 'off', true)) AS no_flush`

/**
 * Closes the one window in which a pull could copy a row the app inserted back into its own table
 * as a second row: between Salesforce creating the record and the push committing its `sfid` to
 * the row. A pull that reads the new record inside that window finds no row with its sfid (and,
 * without an external id, nothing else to match it on). See docs/concepts/delivery-guarantees.md.
 *
 * The fence is a lease row in `_pgforce_insert_fence`, committed before the push makes its first
 * create call and deleted once every outcome of the round is committed (in the transaction of the
 * last commit when the round ends with one, else on its own). It holds
 * across workers and needs no session of its own (so it works behind a transaction pooler); a
 * push renews it while it runs, and a push that died leaves a fence that expires within `ttlMs`.
 * A pull that read records it cannot place waits for the table's fences to go
 * ({@link passInsertFence}).
 * @internal
 */
export class InsertFence {
  private readonly pool: PgPoolLike
  private readonly schema: string
  /** The fence row's id (a settle given the fence deletes it with the outcomes it commits). */
  readonly id: string
  private readonly ttlMs: number
  private readonly renewal: NodeJS.Timeout

  private constructor(pool: PgPoolLike, schema: string, id: string, ttlMs: number) {
    this.pool = pool
    this.schema = schema
    this.id = id
    this.ttlMs = ttlMs
    this.renewal = setInterval(() => {
      void this.pool
        .query(
          format(
            'UPDATE %I._pgforce_insert_fence SET expires_at = clock_timestamp() + make_interval(secs => $2) WHERE id = $1',
            schema,
          ),
          [id, ttlMs / 1000],
        )
        .catch(() => {}) // a missed renewal only shortens the fence; the next one retries
    }, ttlMs / 3)
    this.renewal.unref()
  }

  /** Raises a fence on `table` for `ttlMs` (renewed every third of it until lifted). */
  static async raise(
    pool: PgPoolLike,
    schema: string,
    table: string,
    ttlMs = 30_000,
  ): Promise<InsertFence> {
    const { rows } = await pool.query<{ id: string }>(
      format(
        `INSERT INTO %I._pgforce_insert_fence (table_name, expires_at)
         VALUES ($1, clock_timestamp() + make_interval(secs => $2)) RETURNING id::text`,
        schema,
      ),
      [table, ttlMs / 1000],
    )
    return new InsertFence(pool, schema, rows[0]?.id ?? '0', ttlMs)
  }

  /** Stops renewing the fence: a settle deleted its row along with the sfids it guarded. */
  stopRenewing(): void {
    clearInterval(this.renewal)
  }

  /**
   * Lifts the fence on its own (the round failed or was stopped; a settle whose transaction did not
   * commit left it up). If the database cannot be reached, it keeps trying in the background
   * until the fence would have expired: until then it holds back every pull of new records of
   * the table.
   */
  async lift(): Promise<void> {
    clearInterval(this.renewal)
    if (await this.tryLift()) return
    const deadline = Date.now() + this.ttlMs
    const retry = (delayMs: number) => {
      const timer = setTimeout(async () => {
        if (!(await this.tryLift()) && Date.now() + delayMs < deadline)
          retry(Math.min(delayMs * 2, 5_000))
      }, delayMs)
      timer.unref()
    }
    retry(250)
  }

  private tryLift(): Promise<boolean> {
    return this.pool
      .query(
        format(`DELETE FROM %I._pgforce_insert_fence USING ${NO_FLUSH} WHERE id = $1`, this.schema),
        [this.id],
      )
      .then(
        () => true,
        () => false,
      )
  }
}

/**
 * Inside the caller's transaction: if some of `sfids` have no row in `schema.table`, waits until
 * no push is between creating records of the table and committing their sfids (no live fence).
 * One round trip when nothing waits. Gives up after `timeoutMs` with a retryable `PostgresError`
 * (SQLSTATE 55P03, lock_not_available), so a stuck push delays a pull but never blocks it for good.
 * @internal
 */
export async function passInsertFence(
  client: PgClientLike,
  schema: string,
  table: string,
  sfids: readonly string[],
  timeoutMs = 10_000,
): Promise<void> {
  if (sfids.length === 0) return
  const fenced = format(
    'EXISTS (SELECT 1 FROM %I._pgforce_insert_fence WHERE table_name = $1 AND expires_at > clock_timestamp())',
    schema,
  )
  const { rows } = await client.query<{ passed: boolean }>(
    format(
      `SELECT CASE WHEN EXISTS (
                SELECT 1 FROM unnest($2::varchar[]) AS u(id)
                WHERE NOT EXISTS (SELECT 1 FROM %I.%I AS t WHERE t.sfid = u.id))
              THEN NOT ${fenced} ELSE true END AS passed`,
      schema,
      table,
    ),
    [table, sfids],
  )
  if (rows[0]?.passed === true) return
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    const retry = await client.query<{ passed: boolean }>(`SELECT NOT ${fenced} AS passed`, [table])
    if (retry.rows[0]?.passed === true) return
  }
  throw new PostgresError(
    `A push creating ${table} records has not committed their sfids for ${timeoutMs} ms; the pull will retry`,
    { sqlState: '55P03', table },
  )
}
