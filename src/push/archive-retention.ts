import format from 'pg-format'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'

/**
 * Deletes `_trigger_log_archive` entries older than `days`, `batchSize` rows per statement so a
 * large backlog never holds long locks or a long transaction. Returns how many were deleted.
 * Heroku Connect keeps the archive 31 days. @internal
 */
export async function trimArchive(
  pool: PgPoolLike,
  schema: string,
  days: number,
  batchSize = 10_000,
): Promise<number> {
  let total = 0
  for (;;) {
    const result = await pool.query(
      format(
        `DELETE FROM %1$I._trigger_log_archive WHERE id IN (
           SELECT id FROM %1$I._trigger_log_archive WHERE created_at < now() - make_interval(days => $1) LIMIT $2)`,
        schema,
      ),
      [days, batchSize],
    )
    const deleted = result.rowCount ?? 0
    total += deleted
    if (deleted < batchSize) return total
  }
}
