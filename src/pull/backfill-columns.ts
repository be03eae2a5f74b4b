import type { ColumnSpec, MappingSchema } from '../mappings/mapping-schema.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { SyncStore } from '../store/sync-store.js'
import type { LoadProgress } from './bulk-load.js'
import { inBatches } from './in-batches.js'
import type { PageApplier, PullCounts } from './page-applier.js'
import { countSoql, PULL_PAGE_SIZE } from './pull-soql.js'

/** Options of {@link backfillColumns}. @internal */
export interface BackfillOptions {
  /** The mapping's (metered) door to Salesforce. */
  readonly salesforce: SalesforceAdapter
  /** Applies each batch (a record Postgres refuses fails alone) and reports it after commit. */
  readonly pages: PageApplier
  /** The pull's one Bulk 2.0 load-or-not decision, for a count query. */
  readonly sizeUp: (countQuery: string) => Promise<{ total: number; bulk: boolean }>
  /** Records per Bulk 2.0 batch written in one transaction. */
  readonly batchSize: number
  /** Records per Bulk 2.0 result page (one API call each). */
  readonly pageSize: number
  /** The pull was a reload: it read every column already, so what waits is done. */
  readonly reloaded: boolean
  readonly onStarted: (event: { total: number; columns: readonly string[] }) => void
  readonly onProgress: (progress: LoadProgress) => void
  readonly signal: AbortSignal
}

/**
 * Loads the columns waiting in `_pgforce_backfill` for a mapped table's existing rows
 * (docs/guides/mappings.md, "When Salesforce changes"): a targeted query of `Id` and those fields
 * only, through REST pages in `Id` order (the place reached is kept, so a stop or a crash goes on
 * from there) or, when there are more records than the pull's Bulk 2.0 threshold, one Bulk 2.0
 * query. Only those columns are written ({@link PageApplier.backfill}). Columns no longer mapped
 * (or deleted in Salesforce) are dropped from the wait. @internal
 */
export async function backfillColumns(
  store: SyncStore,
  plan: MappingSchema,
  options: BackfillOptions,
): Promise<PullCounts> {
  const counts: PullCounts = { inserted: 0, updated: 0, deleted: 0, failed: 0 }
  const table = plan.mapping.table
  const pending = await store.backfills.pending(table)
  if (!pending) return counts
  const columns = plan.columns.filter((c) => !c.system && pending.columns.includes(c.column))
  const complete = () =>
    store.transaction((tx) => tx.backfills.complete(table, pending.columns, pending.requestedAt))
  if (columns.length === 0 || options.reloaded) {
    await complete()
    return counts
  }
  const { total, bulk } = await options.sizeUp(countSoql(plan))
  options.onStarted({ total, columns: columns.map((c) => c.column) })
  let done = 0
  // Taken before each read of Salesforce: a push settled after it may postdate what was read.
  const apply = async (
    records: SObjectRecord[],
    lastId: string | undefined,
    readFromMs: number,
  ) => {
    const outcome = await store.transaction(async (tx) => {
      const applied = await options.pages.backfill(tx, records, columns, readFromMs)
      if (lastId) await tx.backfills.progress(table, pending.columns, lastId)
      return applied
    })
    options.pages.committed(outcome)
    counts.updated += outcome.counts.updated
    counts.failed += outcome.failed.length
    done += records.length
    options.onProgress({ mapping: plan.object, done, total })
  }
  if (bulk) {
    const readFromMs = await store.cursors.databaseNowMs()
    const pages = options.salesforce.bulkQuery(backfillSoql(plan, columns), {
      includeDeleted: true,
      pageSize: options.pageSize,
      signal: options.signal,
    })
    for await (const batch of inBatches(pages, options.batchSize)) {
      options.signal.throwIfAborted()
      await apply(batch, undefined, readFromMs)
    }
  } else {
    let after = pending.after
    for (;;) {
      options.signal.throwIfAborted()
      const page: SObjectRecord[] = []
      const readFromMs = await store.cursors.databaseNowMs()
      for await (const record of options.salesforce.queryAll(
        backfillSoql(plan, columns, after, PULL_PAGE_SIZE),
      ))
        page.push(record)
      const last = page.at(-1)
      if (!last) break
      after = String(last.Id)
      await apply(page, after, readFromMs)
      if (page.length < PULL_PAGE_SIZE) break
    }
  }
  await complete()
  return counts
}

/** `SELECT Id, <the columns' fields> FROM <object>` within the mapping's filter; keyset by Id when paged. */
function backfillSoql(
  plan: MappingSchema,
  columns: readonly ColumnSpec[],
  after?: string,
  limit?: number,
): string {
  const fields = ['Id', ...columns.map((c) => c.field).filter((f) => f !== 'Id')]
  const conditions = [
    ...(after ? [`Id > '${after.replace(/[^A-Za-z0-9]/g, '')}'`] : []),
    ...(plan.mapping.where ? [`(${plan.mapping.where})`] : []),
  ]
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''
  const paging = limit === undefined ? '' : ` ORDER BY Id ASC LIMIT ${limit}`
  return `SELECT ${fields.join(', ')} FROM ${plan.object}${where}${paging}`
}
