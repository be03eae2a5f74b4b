import format from 'pg-format'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'

/** One write Salesforce rejected: a FAILED `_trigger_log` entry (Heroku Connect's write error). */
export interface WriteError {
  /** The `_trigger_log` id (what `retryFailed({ entryIds })` takes). */
  readonly entryId: number
  /** The mapping's object (API name). */
  readonly mapping: string
  readonly table: string
  /** The row's `id` in the mapped table. */
  readonly recordId: number
  /** The record's Salesforce id, when it has one (not for a failed insert). */
  readonly sfid: string | undefined
  readonly action: 'INSERT' | 'UPDATE' | 'DELETE'
  /** Salesforce's message (`sf_message`). */
  readonly message: string
  /** The values the write sent, column to text (`values`). */
  readonly values: Readonly<Record<string, string | null>> | undefined
  /** When it failed (`processed_at`, else the entry's `updated_at`). */
  readonly failedAt: Date
}

/** Which write errors to list. */
export interface WriteErrorFilter {
  /** Only these tables. */
  readonly tables?: readonly string[]
  /** Only errors since this time. */
  readonly since?: Date
  /** At most this many, newest first. @default 100 */
  readonly limit?: number
}

/**
 * Lists FAILED `_trigger_log` entries, newest first, for `pgforce errors` (Heroku Connect's
 * `connect:diagnose` errors list and Explorer). @internal
 */
export async function listWriteErrors(
  pool: PgPoolLike,
  schema: string,
  objectOf: (table: string) => string,
  filter: WriteErrorFilter = {},
): Promise<WriteError[]> {
  const { rows } = await pool.query<{
    id: string
    table_name: string
    record_id: number
    sfid: string | null
    action: 'INSERT' | 'UPDATE' | 'DELETE'
    sf_message: string | null
    values: Record<string, string | null> | null
    failed_at: Date
  }>(
    format(
      `SELECT id, table_name, record_id, sfid, action, sf_message,
              CASE WHEN "values" IS NULL OR "values" = '' THEN NULL
                   ELSE hstore_to_json("values"::hstore) END AS "values",
              coalesce(processed_at, updated_at) AS failed_at
       FROM %I._trigger_log
       WHERE state = 'FAILED' AND ($1::text[] IS NULL OR table_name = ANY($1::text[]))
         AND ($2::timestamptz IS NULL OR coalesce(processed_at, updated_at) >= $2)
       ORDER BY coalesce(processed_at, updated_at) DESC, id DESC LIMIT $3`,
      schema,
    ),
    [filter.tables ?? null, filter.since ?? null, filter.limit ?? 100],
  )
  return rows.map((row) => ({
    entryId: Number(row.id),
    mapping: objectOf(row.table_name),
    table: row.table_name,
    recordId: row.record_id,
    sfid: row.sfid ?? undefined,
    action: row.action,
    message: row.sf_message ?? '',
    values: row.values ?? undefined,
    failedAt: row.failed_at,
  }))
}
