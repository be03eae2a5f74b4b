import format from 'pg-format'
import type { Connection } from '../connection/connection.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { withEngineTransaction } from '../postgres/engine-transaction.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { PageApplier, PullCounts } from './page-applier.js'
import { type PullCursor, stampOf, writePullCursor } from './pull-cursor.js'
import { selectFields } from './pull-soql.js'

/** Progress of a load, for progress bars. */
export interface LoadProgress {
  readonly mapping: string
  /** Records applied so far. */
  readonly done: number
  /** Records Salesforce counted at the start (deleted ones included). */
  readonly total: number
}

/** Options of {@link bulkLoad}. @internal */
export interface BulkLoadOptions {
  /** Read only records changed since this cursor (a large catch-up); everything when undefined. */
  readonly since: PullCursor | undefined
  /** A reload: rows whose records Salesforce no longer has are removed at the end. */
  readonly reload: boolean
  readonly total: number
  readonly batchSize?: number
  readonly onProgress?: (progress: LoadProgress) => void
  /** The mapping's (metered) door to Salesforce. */
  readonly salesforce: SalesforceAdapter
  /** Applies each batch (a record Postgres refuses fails alone) and reports it after commit. */
  readonly pages: PageApplier
  readonly signal: AbortSignal
}

/**
 * Loads a mapping through a Bulk 2.0 query (paged by the adapter, one page in memory at a time),
 * writing to Postgres in set-based batches. The cursor moves to the newest record seen only at
 * the end, with the last batch: Bulk results are unordered, so no earlier point is safe. A reload
 * never empties the table first: rows are upserted, then rows whose records were not seen (and
 * did not change since the load began) are removed, in the final transaction. A record Postgres
 * refuses is set aside in `_pgforce_pull_failure` by its batch, which commits the others; it
 * counts as seen, so a reload keeps the row it had. @internal
 */
export async function bulkLoad(
  connection: Connection,
  plan: MappingSchema,
  options: BulkLoadOptions,
): Promise<PullCounts> {
  const { schema, pool } = connection
  const { salesforce } = options
  const table = plan.mapping.table
  const conditions = [
    ...(plan.mapping.where ? [`(${plan.mapping.where})`] : []),
    ...(options.since ? [`SystemModstamp >= ${options.since.systemModstamp}`] : []),
  ]
  const soql = `SELECT ${selectFields(plan).join(', ')} FROM ${plan.object}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`
  const counts: PullCounts = { inserted: 0, updated: 0, deleted: 0, failed: 0 }
  const size = options.batchSize ?? 5_000
  let newest: PullCursor | undefined
  let done = 0
  if (options.reload) {
    await pool.query(
      format(
        'CREATE UNLOGGED TABLE IF NOT EXISTS %I._pgforce_seen (table_name varchar(128) NOT NULL, sfid varchar(18) NOT NULL)',
        schema,
      ),
    )
    await pool.query(format('DELETE FROM %I._pgforce_seen WHERE table_name = $1', schema), [table])
  }
  const flush = async (batch: SObjectRecord[], last: boolean) => {
    options.signal.throwIfAborted() // stopping: batches applied so far stay, the cursor does not move
    const outcome = await withEngineTransaction(pool, async (client) => {
      const applied = await options.pages.apply(client, batch)
      if (options.reload && batch.length > 0) {
        await client.query(
          format(
            'INSERT INTO %I._pgforce_seen (table_name, sfid) SELECT $1, unnest($2::varchar[])',
            schema,
          ),
          [table, batch.map((r) => r.Id)],
        )
      }
      if (last) {
        if (options.reload) counts.deleted += await removeUnseen(client, schema, plan, newest)
        if (newest) await writePullCursor(client, schema, table, newest)
      }
      return applied
    })
    options.pages.committed(outcome)
    counts.inserted += outcome.counts.inserted
    counts.updated += outcome.counts.updated
    counts.deleted += outcome.counts.deleted
    counts.failed += outcome.failed.length
    done += batch.length
    options.onProgress?.({ mapping: plan.object, done, total: options.total })
  }
  let batch: SObjectRecord[] = []
  for await (const record of salesforce.bulkQuery(soql, {
    includeDeleted: true,
    pageSize: 10_000,
    signal: options.signal,
  })) {
    const stamp = stampOf(record)
    const id = String(record.Id)
    if (
      !newest ||
      stamp > newest.systemModstamp ||
      (stamp === newest.systemModstamp && id > newest.id)
    )
      newest = { systemModstamp: stamp, id }
    batch.push(record)
    if (batch.length >= size) {
      await flush(batch, false)
      batch = []
    }
  }
  await flush(batch, true)
  return counts
}

/** Removes (or soft-deletes) rows of records the load did not see and that did not change since. */
async function removeUnseen(
  client: Parameters<Parameters<typeof withEngineTransaction>[1]>[0],
  schema: string,
  plan: MappingSchema,
  newest: PullCursor | undefined,
): Promise<number> {
  const table = plan.mapping.table
  const unseen = format(
    `sfid IS NOT NULL AND (systemmodstamp IS NULL OR systemmodstamp <= $2::timestamptz AT TIME ZONE 'UTC')
     AND NOT EXISTS (SELECT 1 FROM %I._pgforce_seen AS s WHERE s.table_name = $1 AND s.sfid = t.sfid)`,
    schema,
  )
  const cutoff = newest?.systemModstamp ?? new Date().toISOString()
  const sql =
    plan.mapping.deleteMode === 'soft'
      ? `${format('UPDATE %I.%I AS t', schema, table)} SET isdeleted = true, _hc_lastop = 'SYNCED' WHERE ${unseen} AND isdeleted IS DISTINCT FROM true`
      : `${format('DELETE FROM %I.%I AS t', schema, table)} WHERE ${unseen}`
  const result = await client.query(sql, [table, cutoff])
  await client.query(format('DELETE FROM %I._pgforce_seen WHERE table_name = $1', schema), [table])
  return result.rowCount ?? 0
}
