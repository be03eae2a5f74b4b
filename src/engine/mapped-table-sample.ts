import format from 'pg-format'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { asText } from '../postgres/install/capture-trigger-sql.js'
import type { Queryable } from '../store/queryable.js'
import type { CapturedRow } from './compare-sample.js'

/**
 * What `verify()` and `reconcile()` read of a mapped table itself (pgforce's own tables are the
 * store's): its live row count, a random sample of its sfids, and rows by sfid with every column
 * as the text the capture trigger would write. @internal
 */
export class MappedTableSample {
  private readonly db: Queryable
  private readonly schema: string
  private readonly plan: MappingSchema

  constructor(db: Queryable, schema: string, plan: MappingSchema) {
    this.db = db
    this.schema = schema
    this.plan = plan
  }

  /** Live rows with an sfid: what Salesforce's count of the mapping's records is compared with. */
  async liveCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      format(
        'SELECT count(*)::int AS n FROM %I.%I WHERE sfid IS NOT NULL AND isdeleted IS NOT TRUE',
        this.schema,
        this.plan.mapping.table,
      ),
    )
    return rows[0]?.n ?? 0
  }

  /** Up to `size` sfids of live rows, picked at random (one scan of the table). */
  async randomSfids(size: number): Promise<string[]> {
    if (size <= 0) return []
    const { rows } = await this.db.query<{ sfid: string }>(
      format(
        `SELECT sfid FROM %I.%I WHERE sfid IS NOT NULL AND isdeleted IS NOT TRUE
         ORDER BY random() LIMIT $1`,
        this.schema,
        this.plan.mapping.table,
      ),
      [size],
    )
    return rows.map((r) => r.sfid)
  }

  /** The rows of `sfids` (soft-deleted ones included), columns as captured text, by sfid. */
  async rows(sfids: readonly string[]): Promise<Map<string, CapturedRow>> {
    if (sfids.length === 0) return new Map()
    const columns = this.plan.columns
    const select = columns
      .map((c, i) => `${asText(`t.${format.ident(c.column)}`, c)} AS c${i}`)
      .join(', ')
    const { rows } = await this.db.query<Record<string, string | null>>(
      `SELECT t.sfid AS _sfid, ${select} FROM ${format('%I.%I', this.schema, this.plan.mapping.table)} AS t
       WHERE t.sfid = ANY($1::varchar[])`,
      [sfids],
    )
    const bySfid = new Map<string, CapturedRow>()
    for (const row of rows) {
      const captured: Record<string, string | null> = {}
      columns.forEach((c, i) => {
        captured[c.column] = row[`c${i}`] ?? null
      })
      bySfid.set(String(row._sfid), captured)
    }
    return bySfid
  }
}
