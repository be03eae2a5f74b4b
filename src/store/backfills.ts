import format from 'pg-format'
import type { Queryable } from './queryable.js'

/** Columns of one table waiting to be loaded for the rows it has. */
export interface PendingBackfill {
  readonly columns: readonly string[]
  /** The last record id a REST load of them reached (keyset by Id), when all reached it. */
  readonly after: string | undefined
  /**
   * When the latest of them was asked for (Postgres's text, to the microsecond): `complete()`
   * keeps columns asked for again since.
   */
  readonly requestedAt: string
}

/**
 * `_pgforce_backfill`: columns a mapping gained (or got back from Salesforce) that the next pulls
 * load for the rows the table already has (docs/guides/mappings.md, "When Salesforce changes").
 * `install()` asks for them; a pull loads them, keeping its place by record id, so a load cut
 * short by a stop or a crash goes on after a restart. @internal
 */
export class BackfillStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /** The columns of `table` waiting to be loaded, or `undefined` when none is. */
  async pending(table: string): Promise<PendingBackfill | undefined> {
    const { rows } = await this.db.query<{
      columns: string[] | null
      after: string | null
      requested_at: string | null
    }>(
      format(
        `SELECT array_agg(column_name ORDER BY column_name) AS columns,
                CASE WHEN bool_and(last_id IS NOT NULL) THEN min(last_id) END AS after,
                max(requested_at)::text AS requested_at
         FROM %I._pgforce_backfill WHERE table_name = $1`,
        this.schema,
      ),
      [table],
    )
    const row = rows[0]
    if (!row?.columns?.length || !row.requested_at) return undefined
    return { columns: row.columns, after: row.after ?? undefined, requestedAt: row.requested_at }
  }

  /** Where a load of `columns` got to (the last record id applied), in the caller's transaction. */
  async progress(table: string, columns: readonly string[], lastId: string): Promise<void> {
    await this.db.query(
      format(
        `UPDATE %I._pgforce_backfill SET last_id = $3
         WHERE table_name = $1 AND column_name = ANY($2::text[])`,
        this.schema,
      ),
      [table, columns, lastId],
    )
  }

  /**
   * Removes loaded columns (or columns no longer to load) asked for by `requestedAt`, in the
   * caller's transaction; one asked for again since stays.
   */
  async complete(table: string, columns: readonly string[], requestedAt: string): Promise<void> {
    await this.db.query(
      format(
        `DELETE FROM %I._pgforce_backfill
         WHERE table_name = $1 AND column_name = ANY($2::text[]) AND requested_at <= $3::timestamptz`,
        this.schema,
      ),
      [table, columns, requestedAt],
    )
  }
}
