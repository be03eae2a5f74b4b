import { OptionReader } from '../config/option-reader.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { BulkIngestOperation } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import { OrderedWriteStrategy } from './ordered-write-strategy.js'
import { toEntryResult } from './send-operation.js'
import type { ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

/** Options of {@link BulkWriteStrategy}. */
export interface BulkWriteStrategyOptions {
  /**
   * Runs of at least this many consecutive entries of one action go through a Bulk 2.0 ingest job;
   * shorter runs are written as `OrderedWriteStrategy` writes them. @default 2000
   */
  readonly threshold?: number
  /** Entries the engine claims per round. @default 10 000 */
  readonly claimSize?: number
  /** How often to poll a job. @default 1000 */
  readonly pollIntervalMs?: number
}

/**
 * Ordered writes, with large runs sent as Bulk 2.0 ingest jobs (DESIGN.md §5): 10 000 inserts
 * cost one job (a handful of API calls) instead of 50 collection calls. Each job's results are
 * mapped back to their entries; a job that fails as a whole falls back to sObject Collections, so
 * a Bulk outage slows writes down but does not stop them. Like Heroku Connect, it keeps ordered
 * semantics: runs are sent in `_trigger_log` order.
 */
export class BulkWriteStrategy extends OrderedWriteStrategy {
  override readonly name: string = 'bulk'
  readonly claimSize: number
  private readonly threshold: number
  private readonly pollIntervalMs: number

  constructor(options: BulkWriteStrategyOptions = {}) {
    super()
    const read = new OptionReader('BulkWriteStrategy options')
    this.threshold = read.integer('threshold', options.threshold ?? 2000, { min: 1 }) ?? 2000
    this.claimSize =
      read.integer('claimSize', options.claimSize ?? 10_000, { min: 1, max: 150_000 }) ?? 10_000
    this.pollIntervalMs =
      read.integer('pollIntervalMs', options.pollIntervalMs ?? 1000, { min: 1 }) ?? 1000
    read.finish()
  }

  override async write(
    entries: readonly ChangeEntry[],
    context: WriteContext,
  ): Promise<EntryResult[]> {
    const results: EntryResult[] = []
    let i = 0
    while (i < entries.length) {
      const run = nextRun(entries, i)
      i += run.length
      const bulk = run.length >= this.threshold ? await this.tryBulk(run, context) : undefined
      results.push(...(bulk ?? (await super.write(run, context))))
    }
    return results
  }

  /** One ingest job for a run; `undefined` when the job failed as a whole (then collections). */
  private async tryBulk(
    run: readonly ChangeEntry[],
    context: WriteContext,
  ): Promise<EntryResult[] | undefined> {
    const first = run[0] as ChangeEntry
    const externalId = context.externalIdField
    let operation: BulkIngestOperation
    let records: SObjectRecord[]
    if (first.action === 'DELETE') {
      if (run.some((e) => !e.sfid)) return undefined
      operation = 'delete'
      records = run.map((e) => ({ Id: e.sfid as string }))
    } else if (first.action === 'UPDATE') {
      if (run.some((e) => !e.sfid)) return undefined
      operation = 'update'
      records = run.map((e) => ({ ...context.toRecord(e.values, 'UPDATE'), Id: e.sfid as string }))
    } else {
      records = run.map((e) => context.toRecord(e.values, 'INSERT'))
      const keyed =
        externalId !== undefined && records.every((r) => (r[externalId] ?? null) !== null)
      operation = keyed ? 'upsert' : 'insert'
    }
    try {
      const job = await context.salesforce.bulkIngest({
        object: context.mapping.object,
        operation,
        externalIdFieldName: operation === 'upsert' ? externalId : undefined,
        records,
        pollIntervalMs: this.pollIntervalMs,
        signal: context.signal,
      })
      return run.map((entry, index) => toEntryResult(entry, job.results[index]))
    } catch (error) {
      if (error instanceof SalesforceApiError && error.retryable) throw error
      return undefined
    }
  }
}

/** The longest run from `start` of one action with each record at most once. */
function nextRun(entries: readonly ChangeEntry[], start: number): ChangeEntry[] {
  const first = entries[start] as ChangeEntry
  const run: ChangeEntry[] = []
  const records = new Set<number>()
  for (let i = start; i < entries.length; i += 1) {
    const entry = entries[i] as ChangeEntry
    if (entry.action !== first.action || records.has(entry.recordId)) break
    run.push(entry)
    records.add(entry.recordId)
  }
  return run
}
