import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { PullCursor } from '../store/cursors.js'
import type { SyncStore } from '../store/sync-store.js'
import { idBoundaries, idRangeConditions } from './id-ranges.js'
import { inBatches } from './in-batches.js'
import { PAGE_SAVEPOINT, type PageApplier, type PullCounts } from './page-applier.js'
import { selectFields } from './pull-soql.js'
import { readAhead } from './read-ahead.js'
import { stampOf } from './record-field.js'

/** Progress of a load, for progress bars. */
export interface LoadProgress {
  readonly mapping: string
  /** Records applied so far. */
  readonly done: number
  /**
   * Records Salesforce counted at the start (deleted ones included); when records created since
   * are read too, it grows with `done`, so progress never passes 100 %.
   */
  readonly total: number
}

/** Options of {@link bulkLoad}. @internal */
export interface BulkLoadOptions {
  /** Read only records changed since this cursor (a large catch-up); everything when undefined. */
  readonly since: PullCursor | undefined
  /** A reload: rows whose records Salesforce no longer has are removed at the end. */
  readonly reload: boolean
  readonly total: number
  /** Records written to Postgres in one transaction. @default 500 */
  readonly batchSize?: number
  /** Records per Bulk 2.0 result page (one API call each). @default 5000 */
  readonly pageSize?: number
  /**
   * Records per Bulk 2.0 query job: a load of more is split into jobs by Id range
   * ({@link idBoundaries}). Unlimited when omitted.
   */
  readonly chunkSize?: number
  /** Jobs running at a time when a load is split: the next ones start while one is read. */
  readonly parallelism?: number
  /** Batches written to Postgres at a time, each in its own transaction. @default 1 */
  readonly writers?: number
  readonly onProgress?: (progress: LoadProgress) => void
  /** The mapping's (metered) door to Salesforce. */
  readonly salesforce: SalesforceAdapter
  /** Applies each batch (a record Postgres refuses fails alone) and reports it after commit. */
  readonly pages: PageApplier
  readonly signal: AbortSignal
}

/**
 * Loads a mapping through Bulk 2.0 query jobs (paged by the adapter), writing to Postgres in
 * set-based batches. A load of more than `chunkSize` records is split by Id range into jobs of
 * about that size, read one after the other while the next `parallelism - 1` are already created
 * and processed by Salesforce (their first page waiting): the time a job takes to start overlaps
 * writing the one before (docs/concepts/performance.md, "Initial load"). The cursor moves to the newest record seen only at
 * the end, with the last batch: Bulk results are unordered, so no earlier point is safe. A reload
 * never empties the table first: rows are upserted, then rows whose records were not seen (and
 * did not change since the load began) are removed, in the final transaction. A record Postgres
 * refuses is set aside in `_pgforce_pull_failure` by its batch, which commits the others; it
 * counts as seen, so a reload keeps the row it had. @internal
 */
export async function bulkLoad(
  store: SyncStore,
  plan: MappingSchema,
  options: BulkLoadOptions,
): Promise<PullCounts> {
  const { salesforce } = options
  const table = plan.mapping.table
  const conditions = [
    ...(plan.mapping.where ? [`(${plan.mapping.where})`] : []),
    ...(options.since ? [`SystemModstamp >= ${options.since.systemModstamp}`] : []),
  ]
  const soql = (range: string | undefined) => {
    const all = range ? [...conditions, range] : conditions
    return `SELECT ${selectFields(plan).join(', ')} FROM ${plan.object}${all.length ? ` WHERE ${all.join(' AND ')}` : ''}`
  }
  const ranges = await idRanges(plan, conditions, options)
  // Each job reads its range as the org is when the job starts: a record of an early range
  // changed while a later job ran is in no job. A split load's cursor therefore goes no further
  // than the org's newest change before the first job, so the next pull reads what changed
  // during the load (docs/concepts/performance.md, "Initial load").
  const before = ranges.length > 1 ? await newestChange(plan, conditions, options) : undefined
  const pages = readAhead(
    ranges.map(
      (range) => () =>
        salesforce.bulkQuery(soql(range), {
          includeDeleted: true,
          pageSize: options.pageSize ?? 5_000,
          signal: options.signal,
        }),
    ),
    Math.max(1, options.parallelism ?? 2) - 1,
  )
  const counts: PullCounts = { inserted: 0, updated: 0, deleted: 0, failed: 0 }
  const size = options.batchSize ?? 500
  let newest: PullCursor | undefined
  let done = 0
  const reloadId = options.reload ? await store.seenRecords.begin(table) : undefined
  const flush = async (batch: SObjectRecord[], last: boolean) => {
    options.signal.throwIfAborted() // stopping: batches applied so far stay, the cursor does not move
    const outcome = await store.transaction(
      async (tx) => {
        const applied = await options.pages.apply(tx, batch)
        if (reloadId !== undefined)
          await tx.seenRecords.add(
            table,
            reloadId,
            batch.map((r) => String(r.Id)),
          )
        if (last) {
          if (reloadId !== undefined) {
            const cutoff = newest?.systemModstamp ?? new Date().toISOString()
            counts.deleted += await tx.seenRecords.removeUnseen(
              table,
              reloadId,
              plan.mapping.deleteMode,
              cutoff,
            )
          }
          if (newest) await tx.cursors.writePull(table, notAfter(newest, before))
        }
        return applied
      },
      batch.length > 0 ? { savepoint: PAGE_SAVEPOINT } : {},
    )
    options.pages.committed(outcome)
    counts.inserted += outcome.counts.inserted
    counts.updated += outcome.counts.updated
    counts.deleted += outcome.counts.deleted
    counts.failed += outcome.failed.length
    done += batch.length
    // Records created after the count are read too: the total grows with them, never past 100 %.
    options.onProgress?.({ mapping: plan.object, done, total: Math.max(options.total, done) })
  }
  // Fetching and parsing the next records overlaps applying earlier batches: up to `writers`
  // batches are in Postgres at once, each in its own transaction (a load's records are distinct,
  // so they touch different rows). The last batch, which moves the cursor, commits after all.
  const writers = Math.max(1, options.writers ?? 1)
  const inFlight = new Set<Promise<void>>()
  /** The first batch that failed: the load fails with it, and no later batch is shipped. */
  let failed: { readonly error: unknown } | undefined
  const throwIfFailed = () => {
    if (failed) throw failed.error
  }
  const ship = async (full: SObjectRecord[], last: boolean) => {
    newest = newestOf(full, newest)
    throwIfFailed()
    if (last) {
      await Promise.all(inFlight)
      throwIfFailed()
      await flush(full, true)
      return
    }
    while (inFlight.size >= writers) await Promise.race(inFlight)
    throwIfFailed()
    // A batch that fails is remembered, not only awaited: it leaves `inFlight` when it settles,
    // maybe while the next page is read, and the load must not go on to move the cursor past it.
    const applying: Promise<void> = flush(full, false)
      .catch((error: unknown) => {
        failed ??= { error }
      })
      .finally(() => inFlight.delete(applying))
    inFlight.add(applying)
  }
  try {
    // Whole batches; the last, which moves the cursor, is an empty one after them.
    for await (const batch of inBatches(pages, size)) await ship(batch, false)
    await ship([], true)
  } finally {
    await Promise.allSettled(inFlight) // no transaction outlives the load
  }
  return counts
}

/**
 * The Id ranges a load of `options.total` records is read in: one job per `chunkSize` records,
 * cut between the first and the last Id matching `conditions` (two REST calls); a single
 * unbounded range for a load that fits in one job.
 */
async function idRanges(
  plan: MappingSchema,
  conditions: readonly string[],
  options: BulkLoadOptions,
): Promise<(string | undefined)[]> {
  const parts = options.chunkSize ? Math.ceil(options.total / options.chunkSize) : 1
  if (parts < 2) return [undefined]
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''
  const edge = async (order: 'ASC' | 'DESC') => {
    const record = await firstRecord(
      `SELECT Id FROM ${plan.object}${where} ORDER BY Id ${order} LIMIT 1`,
      options,
    )
    return record && String(record.Id)
  }
  const [first, last] = await Promise.all([edge('ASC'), edge('DESC')])
  if (first === undefined || last === undefined) return [undefined]
  return idRangeConditions(idBoundaries(first, last, parts))
}

/**
 * The SystemModstamp of the newest change among the records `conditions` select (one REST call),
 * or undefined when there are none.
 */
async function newestChange(
  plan: MappingSchema,
  conditions: readonly string[],
  options: BulkLoadOptions,
): Promise<string | undefined> {
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''
  const record = await firstRecord(
    `SELECT Id, SystemModstamp FROM ${plan.object}${where} ORDER BY SystemModstamp DESC LIMIT 1`,
    options,
  )
  return record && stampOf(record)
}

/** The first record a REST query (deleted records included) answers, if any. */
async function firstRecord(
  soql: string,
  options: Pick<BulkLoadOptions, 'salesforce' | 'signal'>,
): Promise<SObjectRecord | undefined> {
  for await (const record of options.salesforce.queryAll(soql, { signal: options.signal }))
    return record
  return undefined
}

/** `cursor`, or the start of `stamp`'s second when `cursor` is past it. */
function notAfter(cursor: PullCursor, stamp: string | undefined): PullCursor {
  if (stamp === undefined || cursor.systemModstamp <= stamp) return cursor
  return { systemModstamp: stamp, id: '' }
}

/**
 * The newest (SystemModstamp, Id) among `records` and `current`. Stamps are compared as the text
 * the records carry (one fixed-width format per job), and only the newest is parsed.
 */
function newestOf(records: readonly SObjectRecord[], current: PullCursor | undefined) {
  let best: SObjectRecord | undefined
  let bestStamp = ''
  let bestId = ''
  for (const record of records) {
    const stamp = String(record.SystemModstamp)
    const id = String(record.Id)
    if (stamp > bestStamp || (stamp === bestStamp && id > bestId)) {
      best = record
      bestStamp = stamp
      bestId = id
    }
  }
  if (!best) return current
  const candidate = { systemModstamp: stampOf(best), id: bestId }
  if (
    !current ||
    candidate.systemModstamp > current.systemModstamp ||
    (candidate.systemModstamp === current.systemModstamp && candidate.id > current.id)
  )
    return candidate
  return current
}
