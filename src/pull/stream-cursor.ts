import format from 'pg-format'
import type { PgClientLike, PgPoolLike } from '../postgres/pg-pool-like.js'

/** Name of a channel's row in `_pgforce_cursor`. */
function cursorName(channel: string): string {
  return `stream:${channel}`
}

/** The stored replay id of a mapping's channel, or `undefined`. @internal */
export async function readReplayId(
  pool: PgPoolLike,
  schema: string,
  table: string,
  channel: string,
): Promise<number | undefined> {
  const { rows } = await pool.query<{ replay_id: string | null }>(
    format('SELECT replay_id FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2', schema),
    [table, cursorName(channel)],
  )
  const value = rows[0]?.replay_id
  return value === null || value === undefined ? undefined : Number(value)
}

/** Stores replay ids (only ever forward), in the caller's transaction. @internal */
export async function writeReplayIds(
  client: PgClientLike,
  schema: string,
  table: string,
  replayIds: ReadonlyMap<string, number>,
): Promise<void> {
  for (const [channel, replayId] of replayIds) {
    await client.query(
      format(
        `INSERT INTO %I._pgforce_cursor (table_name, name, replay_id, channel, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (table_name, name) DO UPDATE SET replay_id = GREATEST(_pgforce_cursor.replay_id, excluded.replay_id),
           updated_at = now()`,
        schema,
      ),
      [table, cursorName(channel), replayId, channel],
    )
  }
}

/** Forgets a channel's replay id (after Salesforce refused it as expired). @internal */
export async function clearReplayId(
  pool: PgPoolLike,
  schema: string,
  table: string,
  channel: string,
): Promise<void> {
  await pool.query(
    format('DELETE FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2', schema),
    [table, cursorName(channel)],
  )
}
