import format from 'pg-format'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { withEngineTransaction } from '../postgres/engine-transaction.js'
import { asText } from '../postgres/install/capture-trigger-sql.js'
import { parseHstore } from '../postgres/parse-hstore.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { ChangeAction } from '../strategies/write-strategy.js'

/** Which FAILED entries an operation applies to. All of them when empty. */
export interface FailedEntryFilter {
  /** Only entries of these objects' tables (API names, e.g. `Account`). */
  readonly objects?: readonly string[]
  /** Only these `_trigger_log` ids. */
  readonly entryIds?: readonly number[]
}

/** One change Salesforce rejected: a FAILED `_trigger_log` entry (`engine.failedWrites()`). */
export interface FailedWrite {
  /** `_trigger_log.id`: what `retryFailed({ entryIds })` and `ignoreFailed({ entryIds })` take. */
  readonly entryId: number
  /** The mapping's object (API name). */
  readonly mapping: string
  readonly table: string
  readonly action: ChangeAction
  /** `id` of the row in the mapped table. */
  readonly recordId: number
  /** The record's Salesforce id, when it has one. */
  readonly sfid: string | null
  /** The columns the change sent, as text (`_trigger_log.values`). */
  readonly values: Readonly<Record<string, string | null>>
  /** Salesforce's answer: `STATUS_CODE: message`. */
  readonly message: string | null
  /** When the entry was last written (its failure). */
  readonly failedAt: Date
}

/**
 * What operators do to `_trigger_log` (docs/guides/operations.md): requeue or dismiss FAILED
 * entries, and trim the archive. @internal
 */
export class FailedEntryStore {
  private readonly pool: PgPoolLike
  private readonly schema: string

  constructor(pool: PgPoolLike, schema: string) {
    this.pool = pool
    this.schema = schema
  }

  /**
   * The FAILED entries of `tables` (each table with its mapping's object), newest first, at most
   * `limit`.
   */
  async list(objects: ReadonlyMap<string, string>, limit: number): Promise<FailedWrite[]> {
    const { rows } = await this.pool.query<{
      id: string
      action: ChangeAction
      table_name: string
      record_id: number
      sfid: string | null
      values: string | null
      sf_message: string | null
      updated_at: Date
    }>(
      format(
        `SELECT id, action, table_name, record_id, sfid, "values", sf_message, updated_at
         FROM %I._trigger_log WHERE state = 'FAILED' AND table_name = ANY($1::text[])
         ORDER BY id DESC LIMIT $2`,
        this.schema,
      ),
      [[...objects.keys()], limit],
    )
    return rows.map((row) => ({
      entryId: Number(row.id),
      mapping: objects.get(row.table_name) ?? row.table_name,
      table: row.table_name,
      action: row.action,
      recordId: Number(row.record_id),
      sfid: row.sfid,
      values: parseHstore(row.values),
      message: row.sf_message,
      failedAt: row.updated_at,
    }))
  }

  /**
   * Puts FAILED entries of a mapping back in the queue (state NEW), refreshing their values from
   * the row as it is now: a user who fixed the row (or the org's validation rule) sends the fixed
   * values, not the ones that were rejected. Entries whose row is gone are requeued as they are.
   * Returns how many entries were requeued.
   */
  async requeue(plan: MappingSchema, entryIds: readonly number[] | undefined): Promise<number> {
    const columns = plan.writableColumns
    const current =
      columns.length === 0
        ? `''::hstore`
        : `hstore(ARRAY[${columns.map((c) => format('%L', c.column)).join(', ')}], ARRAY[${columns
            .map((c) => asText(`r.${format.ident(c.column)}`, c))
            .join(', ')}])`
    return withEngineTransaction(this.pool, async (client) => {
      const result = await client.query(
        `${format('UPDATE %I._trigger_log AS l', this.schema)}
         SET state = 'NEW', sf_message = NULL, processed_at = NULL, updated_at = now(),
             "values" = CASE
               WHEN r.id IS NULL OR l.action = 'DELETE' THEN l."values"
               WHEN l.action = 'INSERT' THEN (${current})::text
               ELSE slice(${current}, akeys(coalesce(l."values", '')::hstore))::text
             END
         FROM ${format('%I._trigger_log', this.schema)} AS e
         LEFT JOIN ${format('%I.%I', this.schema, plan.mapping.table)} AS r ON r.id = e.record_id
         WHERE l.id = e.id AND e.state = 'FAILED' AND e.table_name = $1
           AND ($2::bigint[] IS NULL OR e.id = ANY($2::bigint[]))`,
        [plan.mapping.table, entryIds ?? null],
      )
      await client.query(
        format(
          `UPDATE %I.%I AS t SET _hc_lastop = 'PENDING', _hc_err = NULL
           WHERE t._hc_lastop = 'FAILED' AND EXISTS (
             SELECT 1 FROM %I._trigger_log AS l WHERE l.table_name = $1 AND l.record_id = t.id AND l.state = 'NEW')`,
          this.schema,
          plan.mapping.table,
          this.schema,
        ),
        [plan.mapping.table],
      )
      return result.rowCount ?? 0
    })
  }

  /**
   * Marks FAILED entries of a mapping IGNORED and moves them to the archive: the operator has
   * dealt with them some other way. Rows keep `_hc_lastop = 'FAILED'` so the history stays visible.
   */
  async ignore(plan: MappingSchema, entryIds: readonly number[] | undefined): Promise<number> {
    return withEngineTransaction(this.pool, async (client) => {
      const result = await client.query(
        format(
          `WITH moved AS (
             DELETE FROM %1$I._trigger_log WHERE state = 'FAILED' AND table_name = $1
               AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))
             RETURNING id, txid, created_at, updated_at, processed_at, processed_tx, action, table_name,
                       record_id, sfid, old, "values", sf_result, sf_message)
           INSERT INTO %1$I._trigger_log_archive (id, txid, created_at, updated_at, processed_at, processed_tx, state,
                       action, table_name, record_id, sfid, old, "values", sf_result, sf_message)
           SELECT id, txid, created_at, now(), now(), processed_tx, 'IGNORED', action, table_name,
                  record_id, sfid, old, "values", sf_result, sf_message FROM moved
           ON CONFLICT (id) DO NOTHING`,
          this.schema,
        ),
        [plan.mapping.table, entryIds ?? null],
      )
      return result.rowCount ?? 0
    })
  }

  /**
   * Deletes `_trigger_log_archive` entries older than `days`, `batchSize` rows per statement so a
   * large backlog never holds long locks or a long transaction. Returns how many were deleted.
   * Heroku Connect keeps the archive 31 days.
   */
  async trimArchive(days: number, batchSize = 10_000): Promise<number> {
    let total = 0
    for (;;) {
      const result = await this.pool.query(
        format(
          `DELETE FROM %1$I._trigger_log_archive WHERE id IN (
             SELECT id FROM %1$I._trigger_log_archive WHERE created_at < now() - make_interval(days => $1) LIMIT $2)`,
          this.schema,
        ),
        [days, batchSize],
      )
      const deleted = result.rowCount ?? 0
      total += deleted
      if (deleted < batchSize) return total
    }
  }
}
