import type { Connection } from '../connection/connection.js'
import { type ApiBudget, meteredRun } from '../engine/api-budget.js'
import type { DirectionRunner } from '../engine/direction-runner.js'
import type { PushReport } from '../engine/sync-engine-events.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { PgPoolLike } from '../postgres/pg-pool-like.js'
import type { CountingSalesforceAdapter } from '../salesforce/counting-salesforce-adapter.js'
import type { RecordError } from '../salesforce/salesforce-types.js'
import type { ChangeSignal } from '../sources/change-source.js'
import type {
  ChangeAction,
  ChangeEntry,
  EntryResult,
  WriteContext,
  WriteStrategy,
} from '../strategies/write-strategy.js'
import { withInsertFence } from './insert-fence.js'
import { entriesWaitingForParents } from './parent-hold-back.js'
import { recordBuilder } from './to-salesforce-record.js'
import { TriggerLogQueue } from './trigger-log-queue.js'

/** Options of {@link SalesforcePush}. @internal */
export interface SalesforcePushOptions {
  readonly connection: Connection
  /** Strategy of mappings that name none. */
  readonly strategy: WriteStrategy
  /** Entries claimed per round. @default 2000 */
  readonly claimSize?: number
  /** How long a claim holds before another worker may take the entries over. @default 600 000 */
  readonly leaseMs?: number
  /** The daily API budget calls are taken from (and counted in). */
  readonly budget?: ApiBudget
  /** Told of every record Salesforce rejected, after the outcome committed. */
  readonly onRecordFailed?: (event: {
    mapping: string
    recordId: number
    action: ChangeAction
    error: RecordError
  }) => void
}

/**
 * Postgres → Salesforce for one mapping (DESIGN.md §5): claims trigger-log entries, hands them to
 * the mapping's write strategy, and settles every outcome with its row updates in one transaction,
 * round after round until the queue is empty. If the strategy throws (Salesforce down, limits, an
 * expired session), the round's entries go back to NEW and the error reaches the scheduler, which
 * retries with backoff: nothing is marked failed, nothing is lost.
 * @internal
 */
export class SalesforcePush implements DirectionRunner<PushReport> {
  private readonly options: SalesforcePushOptions
  private readonly queue: TriggerLogQueue

  constructor(options: SalesforcePushOptions) {
    this.options = options
    this.queue = new TriggerLogQueue({
      pool: options.connection.pool,
      schema: options.connection.schema,
      leaseMs: options.leaseMs ?? 600_000,
    })
  }

  async run(
    plan: MappingSchema,
    _hints: readonly ChangeSignal[],
    signal: AbortSignal,
  ): Promise<PushReport> {
    return meteredRun(this.options.budget, plan.object, this.options.connection.salesforce, (sf) =>
      this.push(plan, signal, sf),
    )
  }

  private async push(
    plan: MappingSchema,
    signal: AbortSignal,
    counter: CountingSalesforceAdapter,
  ): Promise<PushReport> {
    const started = Date.now()
    const strategy = plan.mapping.writeStrategy ?? this.options.strategy
    const context = {
      mapping: plan.mapping,
      externalIdField: plan.externalId,
      salesforce: counter,
      toRecord: recordBuilder(plan),
      signal,
    }
    const report = {
      mapping: plan.object,
      strategy: strategy.name,
      sent: 0,
      succeeded: 0,
      failed: 0,
      heldBack: 0,
      apiCalls: 0,
      durationMs: 0,
    }
    let retryable: EntryResult | undefined
    const stillHeld = new Set<number>()
    // A pass claims everything NEW once (ids only go up within a pass). Entries deferred behind an
    // insert that succeeded in the same pass can go now: run another pass while passes make progress.
    for (let pass = 0; pass < 3; pass += 1) {
      let afterId = 0
      let progressed = false
      let deferred = false
      for (;;) {
        signal.throwIfAborted()
        const { entries, scannedTo, left } = await this.queue.claim(
          plan,
          strategy.claimSize ?? this.options.claimSize ?? 2000,
          afterId,
        )
        if (scannedTo === undefined) break
        afterId = scannedTo
        // Left NEW behind an earlier entry of their record: a later pass (or worker) sends them.
        if (left > 0) deferred = true
        if (entries.length === 0) continue
        const { held, results } = await this.send(plan, entries, strategy, context)
        for (const id of held) stillHeld.add(id)
        for (const r of results) if (r.outcome !== 'deferred') stillHeld.delete(r.entryId)
        this.reportFailures(plan, entries, results)
        for (const result of results) {
          if (result.outcome === 'success') report.succeeded += 1
          else if (result.outcome === 'failed') report.failed += 1
          else if (result.outcome === 'deferred') {
            deferred = true
            if (result.error) retryable ??= result
          }
          if (result.outcome === 'success' || result.outcome === 'failed') report.sent += 1
          if (result.outcome !== 'deferred') progressed = true
        }
      }
      if (!deferred || !progressed) break
    }
    if (retryable?.error) {
      // Retryable record errors (e.g. UNABLE_TO_LOCK_ROW) left entries NEW: ask for a retry.
      throw new SalesforceApiError(retryable.error.message, {
        errorCode: retryable.error.statusCode,
        retryable: true,
      })
    }
    return {
      ...report,
      heldBack: stillHeld.size,
      apiCalls: counter.calls,
      durationMs: Date.now() - started,
    }
  }

  /**
   * Sends one claimed round through the strategy and commits its outcomes. Rounds that create
   * records do both inside the insert fence, so no pull copies a new record back as a second row.
   */
  private async send(
    plan: MappingSchema,
    entries: readonly ChangeEntry[],
    strategy: WriteStrategy,
    context: WriteContext,
  ): Promise<{ held: Set<number>; results: EntryResult[] }> {
    const { pool, schema } = this.options.connection
    const held = await entriesWaitingForParents(pool, schema, plan, entries).catch(
      async (error: unknown) => {
        await this.queue.release(entries.map((e) => e.id))
        throw error
      },
    )
    const ready = held.size > 0 ? entries.filter((e) => !held.has(e.id)) : entries
    const writeAndSettle = async (via: PgPoolLike) => {
      let results: EntryResult[]
      try {
        results = ready.length > 0 ? await strategy.write(ready, context) : []
      } catch (error) {
        await this.queue.release(
          entries.map((e) => e.id),
          via,
        )
        throw error
      }
      for (const id of held) results.push({ entryId: id, outcome: 'deferred' })
      await this.queue.settle(plan, entries, results, via)
      return results
    }
    const creates = ready.some((e) => e.sfid === null && e.action !== 'DELETE')
    const results = creates
      ? await withInsertFence(pool, schema, plan.mapping.table, writeAndSettle)
      : await writeAndSettle(pool)
    return { held, results }
  }

  private reportFailures(
    plan: MappingSchema,
    entries: readonly ChangeEntry[],
    results: readonly EntryResult[],
  ): void {
    if (!this.options.onRecordFailed) return
    const byId = new Map(entries.map((e) => [e.id, e]))
    for (const result of results) {
      const entry = byId.get(result.entryId)
      if (result.outcome === 'failed' && entry && result.error) {
        this.options.onRecordFailed({
          mapping: plan.object,
          recordId: entry.recordId,
          action: entry.action,
          error: result.error,
        })
      }
    }
  }
}
