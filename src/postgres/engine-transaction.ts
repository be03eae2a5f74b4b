import type { PgClientLike, PgPoolLike } from './pg-pool-like.js'
import { toPostgresError } from './postgres-errors.js'

/** Options of {@link withEngineTransaction}. @internal */
export interface EngineTransactionOptions {
  /**
   * A savepoint taken in the round trip that opens the transaction (a constant name of lower-case
   * letters): the first thing `work` does under a savepoint of that name saves a round trip, and
   * its commit releases it (`PageApplier`, docs/concepts/performance.md, "Initial load").
   */
  readonly savepoint?: string
  /**
   * The transaction reads and writes rows by key only (a push round's entries and their rows): it
   * tells the planner so (`SET LOCAL enable_seqscan = off`). A table that grew fast since it was
   * last analysed (an app inserting into a new mapping) looks small to the planner, which then
   * reads all of it to find a round's 200 rows, at every settle (docs/concepts/performance.md,
   * "Push").
   */
  readonly byKey?: boolean
}

/**
 * Runs `work` in one transaction marked as the engine's own (`SET LOCAL xmlbinary = 'hex'`), so
 * the capture triggers skip its writes and nothing it applies is sent back to Salesforce. It runs
 * in UTC (`SET LOCAL TimeZone = 'UTC'`): mapped `timestamp` columns hold UTC, and a value without
 * a zone bound for a `timestamptz` column the app made keeps its instant on a server whose time
 * zone is not UTC (it was read as local time, silently hours off). Data and
 * bookkeeping (cursors, trigger-log states) written inside commit or roll back together. `SET
 * LOCAL` ends with the transaction, so this is safe behind a transaction-pooling proxy. A client
 * whose rollback fails (its connection is gone) is destroyed, not returned to the pool.
 * @internal
 */
export async function withEngineTransaction<T>(
  pool: PgPoolLike,
  work: (client: PgClientLike) => Promise<T>,
  options: EngineTransactionOptions = {},
): Promise<T> {
  const { savepoint, byKey } = options
  if (savepoint !== undefined && !/^[a-z_]+$/.test(savepoint))
    throw new TypeError(`not a savepoint name: ${savepoint}`)
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    // One round trip: a simple-protocol query may hold every statement.
    await client.query(
      `BEGIN; SET LOCAL xmlbinary = 'hex'; SET LOCAL TimeZone = 'UTC'${byKey ? '; SET LOCAL enable_seqscan = off' : ''}${savepoint ? `; SAVEPOINT ${savepoint}` : ''}`,
    )
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
    })
    throw toPostgresError(error)
  } finally {
    client.release(broken)
  }
}
