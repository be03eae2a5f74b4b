import format from 'pg-format'
import { PostgresError } from '../errors/postgres-error.js'
import type { PgClientLike, PgPoolLike } from '../postgres/pg-pool-like.js'

/**
 * Closes the one window in which a pull could copy a row the app inserted back into its own table
 * as a second row: between Salesforce creating the record and the push committing its `sfid` to
 * the row. A pull that reads the new record inside that window finds no row with its sfid (and,
 * without an external id, nothing else to match it on).
 *
 * The fence is a Postgres advisory lock per mapped table, so it holds across workers and dies
 * with a killed worker's session:
 * - a push that creates records holds it shared from before its Salesforce call until its
 *   outcome is committed ({@link withInsertFence}), on one connection for both;
 * - a pull that read records it has no row for (and cannot match on an external id) takes it
 *   exclusively at the start of its apply transaction ({@link passInsertFence}), so it applies
 *   either before the create was sent (and did not read the record) or after its sfid is in the
 *   row (and updates that row).
 * Pushes do not wait for each other; such a pull waits at most one Salesforce write.
 * @internal
 */
export async function withInsertFence<T>(
  pool: PgPoolLike,
  schema: string,
  table: string,
  work: (fenced: PgPoolLike) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | boolean | undefined
  try {
    await client.query(
      'SELECT pg_advisory_lock_shared(hashtext($1), hashtext($2))',
      key(schema, table),
    )
    try {
      return await work(onOneConnection(pool, client, (error) => (broken = error)))
    } finally {
      if (!broken)
        await client
          .query('SELECT pg_advisory_unlock_shared(hashtext($1), hashtext($2))', key(schema, table))
          .catch(() => (broken = true))
    }
  } finally {
    // A broken connection is closed: its session, and so the lock, ends with it.
    client.release(broken)
  }
}

/**
 * Inside the caller's transaction: if some of `sfids` have no row in `schema.table`, waits until
 * no push is between creating records and committing their sfids, and holds the fence until the
 * transaction ends. One round trip when nothing waits. Gives up after `timeoutMs` with a
 * retryable `PostgresError` (SQLSTATE 55P03, lock_not_available), so a stuck push delays a pull
 * but never blocks it for good.
 */
export async function passInsertFence(
  client: PgClientLike,
  schema: string,
  table: string,
  sfids: readonly string[],
  timeoutMs = 10_000,
): Promise<void> {
  if (sfids.length === 0) return
  const { rows } = await client.query<{ passed: boolean }>(
    format(
      `SELECT CASE WHEN EXISTS (
                SELECT 1 FROM unnest($3::varchar[]) AS u(id)
                WHERE NOT EXISTS (SELECT 1 FROM %I.%I AS t WHERE t.sfid = u.id))
              THEN pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) ELSE true END AS passed`,
      schema,
      table,
    ),
    [...key(schema, table), sfids],
  )
  if (rows[0]?.passed === true) return
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    const retry = await client.query<{ passed: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS passed',
      key(schema, table),
    )
    if (retry.rows[0]?.passed === true) return
  }
  throw new PostgresError(
    `A push creating ${table} records has not committed their sfids for ${timeoutMs} ms; the pull will retry`,
    { sqlState: '55P03', table },
  )
}

function key(schema: string, table: string): string[] {
  return [`pgforce:${schema}`, `insert:${table}`]
}

/** A pool whose connections are all `client` (released by its owner, not by borrowers). */
function onOneConnection(
  pool: PgPoolLike,
  client: PgClientLike,
  onBroken: (error: Error | boolean) => void,
): PgPoolLike {
  return {
    query: (text: string, values?: readonly unknown[]) => client.query(text, values),
    connect: async () => ({
      query: client.query.bind(client) as PgClientLike['query'],
      release: (error?: Error | boolean) => {
        if (error) onBroken(error)
      },
    }),
    end: () => pool.end(),
  } as PgPoolLike
}
