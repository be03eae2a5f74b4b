import type { PgClientLike, PgPoolLike } from './pg-pool-like.js'
import { toPostgresError } from './postgres-errors.js'

/**
 * Runs `work` in one transaction marked as the engine's own (`SET LOCAL xmlbinary = 'hex'`), so
 * the capture triggers skip its writes and nothing it applies is sent back to Salesforce. Data and
 * bookkeeping (cursors, trigger-log states) written inside commit or roll back together. `SET
 * LOCAL` ends with the transaction, so this is safe behind a transaction-pooling proxy. A client
 * whose rollback fails (its connection is gone) is destroyed, not returned to the pool.
 * @internal
 */
export async function withEngineTransaction<T>(
  pool: PgPoolLike,
  work: (client: PgClientLike) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    // One round trip: a simple-protocol query may hold both statements.
    await client.query(`BEGIN; SET LOCAL xmlbinary = 'hex'`)
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
