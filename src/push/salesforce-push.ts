import type { RetryPolicy } from '../errors/retry-policy.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeCapture } from '../runs/change-event.js'
import type { DirectionRunner, RunContext } from '../runs/direction-runner.js'
import type { Emit } from '../runs/emit.js'
import type { RecordError } from '../salesforce/salesforce-types.js'
import type { ChangeSignal } from '../sources/change-source.js'
import type { SyncStore } from '../store/sync-store.js'
import type { TriggerLogQueue } from '../store/trigger-log-queue.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
  WriteStrategy,
} from '../strategies/write-strategy.js'
import { afterPreviousRound, type FinishedRound } from './after-previous-round.js'
import { type Ahead, ahead, stillOurs } from './claim-ahead.js'
import { DeletesWaiting } from './deletes-waiting.js'
import { entriesWaitingForParents } from './parent-hold-back.js'
import type { PushEvents } from './push-events.js'
import type { PushReport } from './push-report.js'
import { PushRound } from './push-round.js'
import { sharesRecords } from './shares-records.js'
import { recordBuilder } from './to-salesforce-record.js'

/** Options of {@link SalesforcePush}. @internal */
export interface SalesforcePushOptions {
  /** pgforce's bookkeeping in the connection's schema. */
  readonly store: SyncStore
  /** Strategy of mappings that name none. */
  readonly strategy: WriteStrategy
  /** Decides which record errors are retried (deferred) and which commit failures are retried. */
  readonly retryPolicy: RetryPolicy
  /** Entries claimed per round (a strategy's own `claimSize` wins). */
  readonly claimSize: number
  /** How long a claim holds before another worker may take the entries over. */
  readonly leaseMs: number
  /** Where every record Salesforce rejected (and accepted: `change`) is reported, after commit. */
  readonly emit: Emit<PushEvents>
  /** Whether anyone listens to `change`; nobody when omitted. */
  readonly changes?: ChangeCapture
}

/**
 * Postgres → Salesforce for one mapping (docs/concepts/change-model.md): claims trigger-log
 * entries round after round until the queue is empty, and hands each round to the mapping's write
 * strategy ({@link PushRound}), whose outcomes are committed with their row updates as each
 * Salesforce call answers. If the strategy throws (Salesforce down, limits, an expired session),
 * what was not committed goes back to NEW and the error reaches the scheduler, which retries with
 * backoff: nothing is marked failed, nothing is lost. When the engine stops, the run ends after the
 * call in flight, giving back what it had not sent. Rounds follow each other without a gap: the
 * next batch is claimed while a round runs, and the next round starts once every call of the one
 * before answered, while its last commits land, unless it holds a change of a record that round
 * sent (docs/concepts/delivery-guarantees.md, "Rounds in a row").
 * @internal
 */
export class SalesforcePush implements DirectionRunner<PushReport> {
  private readonly options: SalesforcePushOptions
  private readonly queue: TriggerLogQueue

  constructor(options: SalesforcePushOptions) {
    this.options = options
    this.queue = options.store.triggerLog(options.leaseMs)
  }

  async run(
    plan: MappingSchema,
    _hints: readonly ChangeSignal[],
    run: RunContext,
  ): Promise<Omit<PushReport, 'apiCalls'>> {
    const started = Date.now()
    const strategy = plan.mapping.writeStrategy ?? this.options.strategy
    const policy = this.options.retryPolicy
    const context: Omit<WriteContext, 'commit'> = {
      mapping: plan.mapping,
      externalIdField: plan.externalId,
      salesforce: run.salesforce,
      toRecord: recordBuilder(plan),
      isRetryable: (error: RecordError) => policy.isRetryable({ errorCode: error.statusCode }),
      signal: run.signal,
    }
    const report = {
      direction: 'push' as const,
      mapping: plan.object,
      strategy: strategy.name,
      sent: 0,
      succeeded: 0,
      failed: 0,
      heldBack: 0,
      durationMs: 0,
    }
    let retryable: EntryResult | undefined
    const stillHeld = new Set<number>()
    // A pass claims everything NEW once (ids only go up within a pass). Entries deferred behind an
    // insert that succeeded in the same pass can go now: run another pass while passes make progress.
    const claimSize = strategy.claimSize ?? this.options.claimSize
    for (let pass = 0; pass < 3; pass += 1) {
      let afterId = 0
      const deletesWaiting = new DeletesWaiting()
      let progressed = false
      let deferred = false
      if (context.signal.aborted) break
      /** A round's outcomes, counted and reported once it has committed them all. */
      const finish = async (round: Running): Promise<FinishedRound & { stopped: boolean }> => {
        const { results, stopped } = await round.done
        for (const id of round.held) stillHeld.add(id)
        for (const r of results) if (r.outcome !== 'deferred') stillHeld.delete(r.entryId)
        this.reportFailures(plan, round.entries, results)
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
        return { entries: round.entries, results, stopped }
      }
      // Rounds overlap (docs/concepts/delivery-guarantees.md): the next claim is made while a round
      // runs, and the next round's calls go out while the last commits of the one before land
      // (`finishing`), unless it holds a change of a record that round sent.
      // The first claim of a pass is smaller when the strategy does not ask for a size: its calls
      // go out sooner, and the full claim after it is made while they run.
      const firstClaim = strategy.claimSize ?? Math.min(claimSize, FIRST_CLAIM)
      let next: Ahead | undefined = ahead(
        this.queue.claim(plan, firstClaim, afterId, {
          refreshStatistics: firstClaim === claimSize,
        }),
      )
      let finishing: Running | undefined
      /** Waits for `finishing` to commit everything; `stopped` when the engine's stop cut it short. */
      const drain = async (): Promise<(FinishedRound & { stopped: boolean }) | undefined> => {
        const round = finishing
        finishing = undefined
        return round ? finish(round) : undefined
      }
      let stop = false
      let thrown: { readonly error: unknown } | undefined
      try {
        for (;;) {
          const claim = await next.settled()
          next = undefined
          const { scannedTo, left } = claim
          let entries = claim.entries
          let behind = new Set<number>()
          if (
            finishing &&
            (context.signal.aborted ||
              scannedTo === undefined ||
              sharesRecords(plan, entries, finishing.entries))
          ) {
            const previous = await drain().catch(async (error: unknown) => {
              await this.queue.release(entries.map((e) => e.id)).catch(() => {})
              throw error
            })
            if (previous) ({ entries, behind } = afterPreviousRound(entries, previous))
            if (previous?.stopped) {
              await this.queue.release(entries.map((e) => e.id))
              stop = true
              break
            }
          }
          if (context.signal.aborted) {
            await this.queue.release(entries.map((e) => e.id))
            stop = true
            break
          }
          if (scannedTo === undefined) break
          afterId = scannedTo
          // Left NEW behind an earlier entry of their record: a later pass (or worker) sends them.
          if (left > 0) deferred = true
          // A batch that waited (claimed ahead of a slow round) may have lost entries to another
          // worker: those are not sent, and their records' later entries wait behind them.
          const taken = await stillOurs(this.queue, entries, claim.claimedAt, this.options.leaseMs)
          entries = taken.entries
          for (const id of taken.behind) behind.add(id)
          if (entries.length === 0) {
            next = ahead(this.queue.claim(plan, claimSize, afterId))
            continue
          }
          run.onSending?.()
          const held = await entriesWaitingForParents(this.options.store, plan, entries).catch(
            async (error: unknown) => {
              await this.queue.release(entries.map((e) => e.id))
              throw error
            },
          )
          let written: (results: readonly EntryResult[]) => void = () => {}
          const answered = new Promise<void>((resolve) => {
            written = (results) => {
              deletesWaiting.note(entries, results)
              resolve()
            }
          })
          const waiting = [...behind, ...deletesWaiting.held(entries, context)]
          const round = new PushRound({
            plan,
            entries,
            held: waiting.length > 0 ? new Set([...held, ...waiting]) : held,
            strategy,
            context,
            queue: this.queue,
            store: this.options.store,
            retryPolicy: policy,
            leaseMs: this.options.leaseMs,
            changes: this.options.changes,
            onChange: (change) => this.options.emit('change', change),
            after: finishing?.done,
          })
          const running: Running = { entries, held, done: round.run(written) }
          // Later changes of this round's records are claimed too (they go after it); those of
          // the round still finishing are left NEW, for a later round.
          next = ahead(
            this.queue.claim(plan, claimSize, afterId, { inFlight: entries.map((e) => e.id) }),
          )
          // Every call of the round answered (or it failed): the round before has committed by
          // now or soon, since this round's commits come after its.
          const failed = await Promise.race([
            answered.then(() => false),
            running.done.then(
              () => false,
              () => true,
            ),
          ])
          const before = finishing
          finishing = running
          const previous = before ? await finish(before) : undefined
          if (failed) break // its error is thrown below
          if (previous?.stopped) {
            stop = true
            break
          }
          if (context.signal.aborted) {
            await drain()
            stop = true
            break
          }
        }
      } catch (error) {
        thrown = { error }
      }
      // A round that failed fails the ones after it; the first error is thrown.
      const failure = await drain().then(
        () => undefined,
        (error: unknown) => ({ error }),
      )
      await next?.giveBack(this.queue)
      const error = thrown ?? failure
      if (error) throw error.error
      if (stop) break
      if (!deferred || !progressed) break
    }
    if (retryable?.error && !context.signal.aborted) {
      // Retryable record errors (e.g. UNABLE_TO_LOCK_ROW) left entries NEW: ask for a retry.
      throw new SalesforceApiError(retryable.error.message, {
        errorCode: retryable.error.statusCode,
        retryable: true,
      })
    }
    return { ...report, heldBack: stillHeld.size, durationMs: Date.now() - started }
  }

  private reportFailures(
    plan: MappingSchema,
    entries: readonly ChangeEntry[],
    results: readonly EntryResult[],
  ): void {
    const byId = new Map(entries.map((e) => [e.id, e]))
    for (const result of results) {
      const entry = byId.get(result.entryId)
      if (result.outcome === 'failed' && entry && result.error) {
        this.options.emit('record:failed', {
          mapping: plan.object,
          recordId: entry.recordId,
          action: entry.action,
          error: result.error,
        })
      }
    }
  }
}

/** Entries in the first claim of a pass (four calls of 200), unless the strategy sets a size. */
const FIRST_CLAIM = 800

/** A round under way: its entries, those it held back for a parent, and its outcome. */
interface Running {
  readonly entries: readonly ChangeEntry[]
  readonly held: ReadonlySet<number>
  readonly done: Promise<{ results: EntryResult[]; stopped: boolean }>
}
