import type pg from 'pg'

/** A server backend (one client connection), as `pg_stat_activity` shows it. */
export interface Backend {
  readonly pid: number
  readonly applicationName: string
  readonly state: string | null
  /** Its current or last statement, cut to 80 characters. */
  readonly query: string
  readonly waitEventType: string | null
}

/**
 * `pg_terminate_backend` on every backend of the current database whose `application_name` is
 * LIKE `applicationName` and that matches `where` (SQL over `pg_stat_activity`), never the
 * checking connection itself. Returns the backends it terminated.
 */
export async function terminateBackends(
  pool: pg.Pool,
  applicationName: string,
  where = 'true',
): Promise<Backend[]> {
  const { rows } = await pool.query<Backend & { killed: boolean }>(
    `SELECT pid, application_name AS "applicationName", state, left(query, 80) AS query,
            wait_event_type AS "waitEventType", pg_terminate_backend(pid) AS killed
     FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()
       AND application_name LIKE $1 AND (${where})`,
    [applicationName],
  )
  return rows.filter((r) => r.killed)
}

/**
 * Runs `statements` in an open transaction on a client of its own and keeps it open, holding
 * whatever they lock (rows, a table, an uncommitted unique key), so a statement of pgforce's that
 * needs it waits inside its own transaction: a precise moment to cut its connection.
 * `release()` rolls back.
 */
export async function holdInTransaction(
  pool: pg.Pool,
  statements: readonly { readonly text: string; readonly values?: unknown[] }[],
): Promise<{ release(): Promise<void> }> {
  const client = await pool.connect()
  // Its connection may be cut too (a server restart): that is the test's doing, not a failure.
  client.on('error', () => {})
  try {
    await client.query('BEGIN')
    for (const { text, values } of statements) await client.query(text, values)
  } catch (error) {
    client.release(true)
    throw error
  }
  let released = false
  return {
    async release() {
      if (released) return
      released = true
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      )
      client.release(!rolledBack)
    },
  }
}

/**
 * pgforce's backends (by `application_name` pattern) waiting on a lock right now, whose statement
 * is LIKE `query`.
 */
export async function blockedBackends(
  pool: pg.Pool,
  applicationName: string,
  query = '%',
): Promise<Backend[]> {
  const { rows } = await pool.query<Backend>(
    `SELECT pid, application_name AS "applicationName", state, left(query, 80) AS query,
            wait_event_type AS "waitEventType"
     FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()
       AND application_name LIKE $1 AND wait_event_type = 'Lock' AND query LIKE $2`,
    [applicationName, query],
  )
  return rows
}
