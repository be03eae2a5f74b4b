import format from 'pg-format'
import type { DeleteMode } from '../mappings/mapping.js'
import type { Queryable } from './queryable.js'

/**
 * `_pgforce_seen`: the records a reload has read so far, per mapped table, so that at its end the
 * rows of records Salesforce no longer has can be removed without ever emptying the table first
 * (docs/guides/operations.md, "Reload"). An unlogged table: it only lives as long as a reload.
 * @internal
 */
export class SeenRecordStore {
  private readonly db: Queryable
  private readonly schema: string

  constructor(db: Queryable, schema: string) {
    this.db = db
    this.schema = schema
  }

  /** Starts a reload of `table`: nothing seen yet. */
  async begin(table: string): Promise<void> {
    await this.db.query(
      format(
        `CREATE UNLOGGED TABLE IF NOT EXISTS %I._pgforce_seen (
           table_name varchar(128) NOT NULL, sfid varchar(18) NOT NULL)`,
        this.schema,
      ),
    )
    await this.db.query(format('DELETE FROM %I._pgforce_seen WHERE table_name = $1', this.schema), [
      table,
    ])
  }

  /** Notes records a batch of the reload read. */
  async add(table: string, sfids: readonly string[]): Promise<void> {
    if (sfids.length === 0) return
    await this.db.query(
      format(
        'INSERT INTO %I._pgforce_seen (table_name, sfid) SELECT $1, unnest($2::varchar[])',
        this.schema,
      ),
      [table, sfids],
    )
  }

  /**
   * Ends the reload: removes the rows (or, with `soft`, marks them deleted) of records the reload
   * did not see and that did not change after `cutoff` (an ISO instant), then forgets what it saw.
   * A row with an sfid and no SystemModstamp stays: pgforce pushed it and has not read it back
   * yet, maybe while the reload's jobs ran, whose snapshot is older than its record.
   * Returns how many rows it removed.
   */
  async removeUnseen(table: string, deleteMode: DeleteMode, cutoff: string): Promise<number> {
    const unseen = format(
      `sfid IS NOT NULL AND systemmodstamp <= $2::timestamptz AT TIME ZONE 'UTC'
       AND NOT EXISTS (SELECT 1 FROM %I._pgforce_seen AS s WHERE s.table_name = $1 AND s.sfid = t.sfid)`,
      this.schema,
    )
    const sql =
      deleteMode === 'soft'
        ? `${format('UPDATE %I.%I AS t', this.schema, table)} SET isdeleted = true, _hc_lastop = 'SYNCED' WHERE ${unseen} AND isdeleted IS DISTINCT FROM true`
        : `${format('DELETE FROM %I.%I AS t', this.schema, table)} WHERE ${unseen}`
    const result = await this.db.query(sql, [table, cutoff])
    await this.db.query(format('DELETE FROM %I._pgforce_seen WHERE table_name = $1', this.schema), [
      table,
    ])
    return result.rowCount ?? 0
  }
}
