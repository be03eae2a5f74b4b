import format from 'pg-format'
import type { Queryable } from './queryable.js'

/** What a mapped table saw in the last 24 hours, for `diagnose()`'s estimates. */
export interface MappingActivity {
  /** Changes captured in Postgres (trigger-log entries, live and archived). */
  readonly captured: number
  /** Rows Salesforce changed (`systemmodstamp` in the window). */
  readonly pulled: number
  /** When the last streaming replay id was stored, if one ever was. */
  readonly lastStreamEventAt: Date | undefined
}

/**
 * The last day's activity of each table: entries captured, rows Salesforce changed, the last
 * streaming event (`pgforce diagnose`). @internal
 */
export async function mappingActivity(
  db: Queryable,
  schema: string,
  tables: readonly string[],
): Promise<Map<string, MappingActivity>> {
  const captured = await db.query<{ table_name: string; n: number }>(
    format(
      `SELECT table_name, count(*)::int AS n FROM (
         SELECT table_name FROM %I._trigger_log WHERE created_at > now() - interval '1 day'
         UNION ALL
         SELECT table_name FROM %I._trigger_log_archive WHERE created_at > now() - interval '1 day'
       ) e GROUP BY table_name`,
      schema,
      schema,
    ),
  )
  const streams = await db.query<{ table_name: string; at: Date }>(
    format(
      `SELECT table_name, max(updated_at) AS at FROM %I._pgforce_cursor
       WHERE replay_id IS NOT NULL GROUP BY table_name`,
      schema,
    ),
  )
  const activity = new Map<string, MappingActivity>()
  for (const table of tables) {
    const pulled = await db
      .query<{ n: number }>(
        format(
          `SELECT count(*)::int AS n FROM %I.%I WHERE systemmodstamp > now() - interval '1 day'`,
          schema,
          table,
        ),
      )
      .then(
        (r) => r.rows[0]?.n ?? 0,
        () => 0, // not installed yet
      )
    activity.set(table, {
      captured: captured.rows.find((r) => r.table_name === table)?.n ?? 0,
      pulled,
      lastStreamEventAt: streams.rows.find((r) => r.table_name === table)?.at,
    })
  }
  return activity
}
