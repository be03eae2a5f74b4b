import format from 'pg-format'
import type { PullCursor } from './cursors.js'
import type { Queryable } from './queryable.js'

/** Where one mapped table stands in pgforce's bookkeeping. */
export interface TableState {
  /** Entries waiting to be sent (NEW or PENDING). */
  readonly pending: number
  /** Entries Salesforce rejected (FAILED). */
  readonly failed: number
  /** Capture time of the oldest waiting entry. */
  readonly oldestPendingAt: Date | undefined
  /** Records Postgres refused (`_pgforce_pull_failure`). */
  readonly pullFailed: number
  /** The pull cursor. */
  readonly cursor: PullCursor | undefined
}

/**
 * Every mapped table's state in three grouped reads (the queue, the cursors, the refused records),
 * for `engine.status()` and the CLI. @internal
 */
export class SyncStateStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /** The state of each table that has any (tables with nothing are absent). */
  async byTable(): Promise<Map<string, TableState>> {
    const queue = await this.db.query<{
      table_name: string
      pending: number
      failed: number
      oldest: Date | null
    }>(
      format(
        `SELECT table_name,
                count(*) FILTER (WHERE state IN ('NEW', 'PENDING', 'REQUEUE'))::int AS pending,
                count(*) FILTER (WHERE state = 'FAILED')::int AS failed,
                min(created_at) FILTER (WHERE state IN ('NEW', 'PENDING', 'REQUEUE')) AS oldest
         FROM %I._trigger_log GROUP BY table_name`,
        this.schema,
      ),
    )
    const cursors = await this.db.query<{
      table_name: string
      stamp: string | null
      last_id: string | null
    }>(
      format(
        `SELECT table_name, to_char(systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp, last_id
         FROM %I._pgforce_cursor WHERE name = 'pull'`,
        this.schema,
      ),
    )
    const refused = await this.db.query<{ table_name: string; n: number }>(
      format(
        'SELECT table_name, count(*)::int AS n FROM %I._pgforce_pull_failure GROUP BY table_name',
        this.schema,
      ),
    )
    const tables = new Set([
      ...queue.rows.map((r) => r.table_name),
      ...cursors.rows.map((r) => r.table_name),
      ...refused.rows.map((r) => r.table_name),
    ])
    const state = new Map<string, TableState>()
    for (const table of tables) {
      const counts = queue.rows.find((r) => r.table_name === table)
      const cursor = cursors.rows.find((r) => r.table_name === table)
      state.set(table, {
        pending: counts?.pending ?? 0,
        failed: counts?.failed ?? 0,
        oldestPendingAt: counts?.oldest ?? undefined,
        pullFailed: refused.rows.find((r) => r.table_name === table)?.n ?? 0,
        cursor:
          cursor?.stamp && cursor.last_id
            ? { systemModstamp: cursor.stamp, id: cursor.last_id }
            : undefined,
      })
    }
    return state
  }
}
