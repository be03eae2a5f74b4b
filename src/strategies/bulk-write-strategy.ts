import { OptionReader } from '../config/option-reader.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { BulkIngestOperation } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import { externalIdKey, OrderedWriteStrategy } from './ordered-write-strategy.js'
import { toEntryResult } from './send-operation.js'
import type { ChangeAction, ChangeEntry, EntryResult, WriteContext } from './write-strategy.js'

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
 * Ordered writes, with large runs sent as Bulk 2.0 ingest jobs (docs/guides/write-strategies.md):
 * 10 000 inserts cost one job (a handful of API calls) instead of 50 collection calls. Each job's
 * results are mapped back to their entries and committed; a job that fails before any record was
 * processed falls back to sObject Collections, so a Bulk outage slows writes down but does not
 * stop them. A job that ran but whose outcome cannot be read (results unreadable, a timeout, a
 * job failed part-way) fails its entries instead (`BULK_JOB_OUTCOME_UNKNOWN`): sent again, its
 * records could be created twice. Like Heroku
 * Connect, it keeps ordered semantics: runs are sent in `_trigger_log` order, and a later run
 * knows the sfids of records an earlier run of the same batch inserted (an insert then a delete
 * of one row leaves nothing in Salesforce).
 */
export class BulkWriteStrategy extends OrderedWriteStrategy {
  override readonly name: string = 'bulk'
  readonly claimSize: number
  protected override readonly maxRunLength: number = Number.POSITIVE_INFINITY
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

  protected override async sendRun(
    action: ChangeAction,
    entries: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): Promise<EntryResult[]> {
    // Inserts with an external id value go as an upsert job, the others as an insert job: one
    // record without a value made the whole run plain inserts (a keyed record that existed then
    // failed as a duplicate).
    if (action === 'INSERT' && context.externalIdField !== undefined) {
      const key = externalIdKey(context)
      const keyed = new Set(entries.filter((e) => key(e) !== undefined))
      if (keyed.size > 0 && keyed.size < entries.length) {
        const withKey = await this.sendRun(action, [...keyed], context, sfids)
        const rest = entries.filter((e) => !keyed.has(e))
        return [...withKey, ...(await this.sendRun(action, rest, context, sfids))]
      }
    }
    const bulk =
      entries.length >= this.threshold
        ? await this.tryBulk(action, entries, context, sfids)
        : undefined
    return bulk ?? super.sendRun(action, entries, context, sfids)
  }

  /** One ingest job for a run; `undefined` when the job failed as a whole (then collections). */
  private async tryBulk(
    action: ChangeAction,
    run: readonly ChangeEntry[],
    context: WriteContext,
    sfids: ReadonlyMap<number, string>,
  ): Promise<EntryResult[] | undefined> {
    const externalId = context.externalIdField
    const sfid = (e: ChangeEntry) => sfids.get(e.recordId) as string
    let operation: BulkIngestOperation
    let records: SObjectRecord[]
    if (action === 'DELETE') {
      operation = 'delete'
      records = run.map((e) => ({ Id: sfid(e) }))
    } else if (action === 'UPDATE') {
      operation = 'update'
      records = run.map((e) => ({ ...context.toRecord(e.values, 'UPDATE'), Id: sfid(e) }))
    } else {
      records = run.map((e) => context.toRecord(e.values, 'INSERT'))
      const keyed =
        externalId !== undefined && records.every((r) => (r[externalId] ?? null) !== null)
      operation = keyed ? 'upsert' : 'insert'
    }
    // `#N/A` is Bulk's null: a value that is that text would arrive as null. Such a run goes
    // through collections, which send it as it is.
    if (records.some((record) => Object.values(record).includes('#N/A'))) return undefined
    context.signal.throwIfAborted()
    let results: EntryResult[]
    try {
      const job = await context.salesforce.bulkIngest({
        object: context.mapping.object,
        operation,
        externalIdFieldName: operation === 'upsert' ? externalId : undefined,
        records,
        pollIntervalMs: this.pollIntervalMs,
        // A large job on an org with busy triggers takes long: 10 min, or 10 ms a record.
        timeoutMs: Math.max(600_000, records.length * 10),
      })
      const retryable = (error: Parameters<WriteContext['isRetryable']>[0]) =>
        context.isRetryable(error)
      results = run.map((entry, index) => toEntryResult(entry, job.results[index], retryable))
    } catch (error) {
      // The job ran but its outcome is unknown. Updates, upserts on an external id and deletes
      // are harmless to send again: the push fails, and its entries go back to NEW for the next.
      // Inserts may be in Salesforce, so nothing is sent again (collections, or a retry, would
      // create them twice): their entries fail, with the reason, for an operator to check the
      // job before `retryFailed()`.
      if (
        error instanceof SalesforceApiError &&
        error.errorCode === 'BULK_JOB_OUTCOME_UNKNOWN' &&
        operation !== 'insert'
      )
        throw error
      if (error instanceof SalesforceApiError && error.errorCode === 'BULK_JOB_OUTCOME_UNKNOWN') {
        const failed: EntryResult[] = run.map((entry) => ({
          entryId: entry.id,
          outcome: 'failed',
          error: { statusCode: error.errorCode ?? '', message: error.message, fields: [] },
        }))
        await context.commit(failed)
        return failed
      }
      if (error instanceof SalesforceApiError && error.retryable) throw error
      if (context.signal.aborted) throw error
      return undefined
    }
    await context.commit(results)
    return results
  }
}
