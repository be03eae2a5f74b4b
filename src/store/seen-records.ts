import format from 'pg-format'
import type { DeleteMode } from '../mappings/mapping.js'
import type { Queryable } from './queryable.js'

/**
 * `_pgforce_seen`: the records a reload has read so far, per reload, so that at its end the rows
 * of records Salesforce no longer has can be removed without ever emptying the table first
 * (docs/guides/operations.md, "Reload"). Each reload has its own id: two reloads of one table at
 * once (two workers' reconciles, or a `pgforce reload` beside one) each remove what their own
 * full read did not see; before, one's start wiped what the other had seen, and rows were
 * deleted for good. An unlogged table: it only lives as long as a reload.
 * @internal
 */
export class SeenRecordStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /**
   * Starts a reload of `table`: nothing seen yet. Returns the reload's id. What reloads that died
   * left more than a week ago is forgotten (a reload lasts minutes to hours).
   */
  async begin(table: string): Promise<string> {
    await this.db.query(
      format(
        `CREATE UNLOGGED TABLE IF NOT EXISTS %I._pgforce_seen (
           table_name varchar(128) NOT NULL, sfid varchar(18) NOT NULL,
           reload_id uuid, seen_at timestamptz DEFAULT now())`,
        this.schema,
      ),
    )
    // A table an earlier version made lacks the reload's columns. Altered only then: ALTER needs
    // the table's owner (and an exclusive lock) even when the column exists.
    const { rows: columns } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = '_pgforce_seen'
         AND column_name IN ('reload_id', 'seen_at')`,
      [this.schema],
    )
    if ((columns[0]?.n ?? 0) < 2)
      await this.db.query(
        format(
          `ALTER TABLE %1$I._pgforce_seen ADD COLUMN IF NOT EXISTS reload_id uuid;
           ALTER TABLE %1$I._pgforce_seen ADD COLUMN IF NOT EXISTS seen_at timestamptz DEFAULT now()`,
          this.schema,
        ),
      )
    const { rows } = await this.db.query<{ id: string }>(
      format(
        `WITH stale AS (
           DELETE FROM %I._pgforce_seen
           WHERE table_name = $1 AND (reload_id IS NULL OR seen_at < now() - interval '7 days')
         )
         SELECT gen_random_uuid()::text AS id`,
        this.schema,
      ),
      [table],
    )
    return rows[0]?.id as string
  }

  /** Notes records a batch of the reload `reload` read. */
  async add(table: string, reload: string, sfids: readonly string[]): Promise<void> {
    if (sfids.length === 0) return
    await this.db.query(
      format(
        `INSERT INTO %I._pgforce_seen (table_name, reload_id, sfid)
         SELECT $1, $2::uuid, unnest($3::varchar[])`,
        this.schema,
      ),
      [table, reload, sfids],
    )
  }

  /**
   * Ends the reload `reload`: removes the rows (or, with `soft`, marks them deleted) of records it
   * did not see and that did not change after `cutoff` (an ISO instant), then forgets what it saw.
   * A row with an sfid and no SystemModstamp stays: pgforce pushed it and has not read it back
   * yet, maybe while the reload's jobs ran, whose snapshot is older than its record.
   * Returns how many rows it removed.
   */
  async removeUnseen(
    table: string,
    reload: string,
    deleteMode: DeleteMode,
    cutoff: string,
  ): Promise<number> {
    const unseen = format(
      `sfid IS NOT NULL AND systemmodstamp <= $2::timestamptz AT TIME ZONE 'UTC'
       AND NOT EXISTS (SELECT 1 FROM %I._pgforce_seen AS s
                       WHERE s.table_name = $1 AND s.reload_id = $3::uuid AND s.sfid = t.sfid)`,
      this.schema,
    )
    const sql =
      deleteMode === 'soft'
        ? `${format('UPDATE %I.%I AS t', this.schema, table)} SET isdeleted = true, _hc_lastop = 'SYNCED' WHERE ${unseen} AND isdeleted IS DISTINCT FROM true`
        : `${format('DELETE FROM %I.%I AS t', this.schema, table)} WHERE ${unseen}`
    const result = await this.db.query(sql, [table, cutoff, reload])
    await this.db.query(
      format(
        'DELETE FROM %I._pgforce_seen WHERE table_name = $1 AND reload_id = $2::uuid',
        this.schema,
      ),
      [table, reload],
    )
    return result.rowCount ?? 0
  }
}
