import format from 'pg-format'
import type { PgClientLike } from '../postgres/pg-pool-like.js'
import { toIsoInstant } from '../salesforce/salesforce-datetime.js'

/**
 * Where a mapping's pull stands: the `(SystemModstamp, Id)` of the last record applied. Stored in
 * `_pgforce_cursor` and only ever written in the transaction that applies the records it covers.
 */
export interface PullCursor {
  /** ISO instant, e.g. `2024-01-31T12:34:56.000Z`. */
  readonly systemModstamp: string
  readonly id: string
}

const NAME = 'pull'

/** A record's SystemModstamp as the ISO instant a cursor holds; throws when it has none. @internal */
export function stampOf(record: {
  readonly SystemModstamp?: unknown
  readonly Id?: unknown
}): string {
  const stamp = toIsoInstant(record.SystemModstamp)
  if (!stamp) throw new RangeError(`Record ${String(record.Id)} has no valid SystemModstamp`)
  return stamp
}

/** Reads the pull cursor of a table, or `undefined` before its first pull. @internal */
export async function readPullCursor(
  client: PgClientLike,
  schema: string,
  table: string,
): Promise<PullCursor | undefined> {
  const { rows } = await client.query<{ stamp: string | null; last_id: string | null }>(
    format(
      `SELECT to_char(systemmodstamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stamp, last_id
       FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2`,
      schema,
    ),
    [table, NAME],
  )
  const row = rows[0]
  return row?.stamp && row.last_id ? { systemModstamp: row.stamp, id: row.last_id } : undefined
}

/** Writes the pull cursor of a table (inside the caller's transaction). @internal */
export async function writePullCursor(
  client: PgClientLike,
  schema: string,
  table: string,
  cursor: PullCursor,
): Promise<void> {
  await client.query(
    format(
      `INSERT INTO %I._pgforce_cursor (table_name, name, systemmodstamp, last_id, updated_at)
       VALUES ($1, $2, $3::timestamptz AT TIME ZONE 'UTC', $4, now())
       ON CONFLICT (table_name, name) DO UPDATE
         SET systemmodstamp = excluded.systemmodstamp, last_id = excluded.last_id, updated_at = now()`,
      schema,
    ),
    [table, NAME, cursor.systemModstamp, cursor.id],
  )
}

/** Removes the pull cursor so the next pull reads everything (a reload). @internal */
export async function resetPullCursor(
  client: PgClientLike,
  schema: string,
  table: string,
): Promise<void> {
  await client.query(
    format('DELETE FROM %I._pgforce_cursor WHERE table_name = $1 AND name = $2', schema),
    [table, NAME],
  )
}
