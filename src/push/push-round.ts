import type { RetryPolicy } from '../errors/retry-policy.js'
import { WriteStrategyError } from '../errors/write-strategy-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeCapture, ChangeEvent } from '../runs/change-event.js'
import type { InsertFence } from '../store/insert-fence.js'
import type { SyncStore } from '../store/sync-store.js'
import type { TriggerLogQueue } from '../store/trigger-log-queue.js'
import { externalIdKey } from '../strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
  WriteStrategy,
} from '../strategies/write-strategy.js'
import { createsAfterCommits } from './creates-after-commits.js'
import { unsendableEntries } from './value-problems.js'

/** What a {@link PushRound} needs. @internal */
export interface PushRoundOptions {
  readonly plan: MappingSchema
  /** The claimed entries (PENDING), oldest first. */
  readonly entries: readonly ChangeEntry[]
  /** Entries that wait for a parent record: not handed to the strategy, left NEW. */
  readonly held: ReadonlySet<number>
  readonly strategy: WriteStrategy
  readonly context: Omit<WriteContext, 'commit'>
  readonly queue: TriggerLogQueue
  readonly store: SyncStore
  readonly retryPolicy: RetryPolicy
  /** The claim's lease: how long an insert fence may outlive a push that died. */
  readonly leaseMs: number
  /** Whether anyone listens to `change` (asked per commit); nobody when omitted. */
  readonly changes?: ChangeCapture
  /** Told of each record Salesforce accepted, after its outcome committed. */
  readonly onChange?: (change: ChangeEvent) => void
  /**
   * The round before this one, still committing (its Salesforce calls have all answered): this
   * round's commits and creates come after its commits, and fail if it fails.
   */
  readonly after?: Promise<unknown>
}

/**
 * One claimed round of a push: the strategy writes the entries, and every outcome is committed
 * (entry state, the row's sfid, `_hc_lastop`, `_hc_err`) as soon as its Salesforce call answers,
 * through `context.commit`, in call order; what the strategy reports only at the end is committed
 * then (docs/concepts/delivery-guarantees.md):
 * - a call's commit runs while the strategy makes its next call; but a call that may create
 *   records (`create`, a Bulk 2.0 `insert`) does not go out before every earlier commit landed
 *   (see `createsAfterCommits`). So a crash resends at most one call of creates, and a commit
 *   that fails never has creates behind it that would be sent again;
 * - a commit that fails after Salesforce answered is retried at once (a few times, by the retry
 *   policy); if it still fails, no later commit is made, the strategy's next commit or create
 *   fails, and every entry without a committed outcome goes back to NEW, in order;
 * - when the strategy throws, or the engine stops, entries without a committed outcome go back
 *   to NEW;
 * - a strategy that does not return exactly one result per entry fails loudly
 *   (`WriteStrategyError`);
 * - a change whose values Salesforce cannot take as they are (NaN, an infinite or BC date, too
 *   many digits) is not sent: it fails with `PGFORCE_INVALID_VALUE`, and the record's later
 *   changes in the round wait behind it.
 * A round that may create records raises the table's insert fence first, and lifts it once every
 * outcome is committed. A round started while the one before it still commits (`after`) commits
 * after it, makes no create before its commits landed, and fails if they fail.
 * @internal
 */
export class PushRound {
  private readonly options: PushRoundOptions
  private readonly committed = new Map<number, EntryResult>()
  private readonly ready: readonly ChangeEntry[]
  private readonly readyIds: ReadonlySet<number>
  /** Entries handed to a commit (committed, or queued to be). */
  private readonly queued = new Set<number>()
  /** Results decided before the strategy runs: values Salesforce cannot take, and what waits. */
  private readonly decided: readonly EntryResult[]
  /** The commits under way, in call order (each waits for the one before). */
  private committing: Promise<void> = Promise.resolve()
  /** Outcomes queued behind the commit under way: the next commit takes them all at once. */
  private pending: EntryResult[] = []
  /** The first commit that failed: later ones are not made, and the round fails with it. */
  private commitFailure: { readonly error: unknown } | undefined
  /** The entries by id, built the first time a `change` listener needs them. */
  private entriesById: Map<number, ChangeEntry> | undefined

  constructor(options: PushRoundOptions) {
    this.options = options
    const refused = unsendableEntries(options.plan, options.entries)
    // A record whose change is refused keeps its later changes back, as a rejected one does.
    const stopped = new Set<number>()
    const decided: EntryResult[] = []
    const ready: ChangeEntry[] = []
    // A delete that waits may be of the record a later insert's external id names (a delete
    // carries no key): such inserts wait with it, as the ordered strategy and DeletesWaiting
    // hold them, by the same key.
    const keyOf = externalIdKey(options.context)
    let deleteWaits = false
    for (const entry of options.entries) {
      const error = refused.get(entry.id)
      const keyed = deleteWaits && entry.action === 'INSERT' && keyOf(entry) !== undefined
      if (options.held.has(entry.id) || keyed) {
        // A held entry keeps its record's later changes back too: a delete sent before the
        // insert it follows would be ignored (no sfid yet), and the insert then create a record
        // for a row that is gone.
        decided.push({ entryId: entry.id, outcome: 'deferred' })
        stopped.add(entry.recordId)
      } else if (stopped.has(entry.recordId))
        decided.push({ entryId: entry.id, outcome: 'deferred' })
      else if (error) {
        decided.push({ entryId: entry.id, outcome: 'failed', error })
        stopped.add(entry.recordId)
      } else ready.push(entry)
      if (entry.action === 'DELETE' && ready.at(-1) !== entry) deleteWaits = true
    }
    this.ready = ready
    this.readyIds = new Set(ready.map((e) => e.id))
    this.decided = decided
    if (options.after) {
      this.committing = options.after.then(
        () => {},
        (error: unknown) => {
          this.commitFailure ??= { error }
        },
      )
    }
  }

  /**
   * Writes and commits the round; `stopped` when the engine's stop cut it short. `onWritten` is
   * called once the strategy has returned (every Salesforce call answered), while the last
   * commits may still be under way, with every entry's outcome (not committed yet).
   */
  async run(
    onWritten?: (results: readonly EntryResult[]) => void,
  ): Promise<{ results: EntryResult[]; stopped: boolean }> {
    const { strategy, context, plan, store } = this.options
    const creates = this.ready.some((e) => e.sfid === null && e.action !== 'DELETE')
    const fence = creates
      ? await store
          .raiseInsertFence(plan.mapping.table, Math.min(30_000, this.options.leaseMs))
          .catch(async (error: unknown) => {
            await this.giveBack()
            throw error
          })
      : undefined
    let written: EntryResult[]
    try {
      written =
        this.ready.length > 0
          ? await strategy.write(this.ready, {
              ...context,
              salesforce: createsAfterCommits(context.salesforce, () => this.settled()),
              commit: (r) => this.commit(r),
            })
          : []
    } catch (error) {
      await this.committing
      await this.giveBack(fence)
      if (context.signal.aborted) return { results: [...this.committed.values()], stopped: true }
      throw error
    }
    onWritten?.([...written, ...this.decided])
    await this.committing
    if (this.commitFailure) {
      await this.giveBack(fence)
      throw this.commitFailure.error
    }
    const problem = this.contractProblem(written)
    if (problem) {
      await this.giveBack(fence)
      throw new WriteStrategyError(strategy.name, problem)
    }
    const rest = [...written.filter((r) => !this.committed.has(r.entryId)), ...this.decided]
    try {
      // Usually every outcome was committed call by call: then the fence comes down on its own.
      if (rest.length > 0) await this.settle(rest, fence)
      else await fence?.lift()
    } catch (error) {
      await this.giveBack(fence)
      throw error
    }
    return { results: [...written, ...this.decided], stopped: context.signal.aborted }
  }

  /**
   * `context.commit`: queues the outcomes of ready entries not handed to a commit yet, after the
   * commits before it, and resolves at once: the strategy's next call overlaps the commit (a call
   * that may create records waits for it, see `createsAfterCommits`). Outcomes of calls that
   * answer while a commit is under way are committed together by the next one (one transaction
   * for several calls when Postgres is the slower side). Throws once a commit failed.
   */
  private async commit(results: readonly EntryResult[]): Promise<void> {
    this.throwIfCommitFailed()
    const fresh = results.filter((r) => this.readyIds.has(r.entryId) && !this.queued.has(r.entryId))
    if (fresh.length === 0) return
    for (const result of fresh) this.queued.add(result.entryId)
    const scheduled = this.pending.length > 0
    this.pending.push(...fresh)
    if (scheduled) return // the commit queued behind the one under way takes these too
    this.committing = this.committing.then(async () => {
      const batch = this.pending
      this.pending = []
      if (this.commitFailure) return
      await this.settle(batch, undefined).catch((error: unknown) => {
        this.commitFailure = { error }
      })
    })
  }

  /** Resolves once every queued commit has landed; throws if one failed. */
  private async settled(): Promise<void> {
    await this.committing
    this.throwIfCommitFailed()
  }

  private throwIfCommitFailed(): void {
    if (this.commitFailure) throw this.commitFailure.error
  }

  /**
   * Commits outcomes, retrying a failed commit at once. If it cannot, it throws; the round then
   * gives back every entry without a committed outcome (`giveBack`), these included.
   */
  private async settle(results: readonly EntryResult[], fence: InsertFence | undefined) {
    const { queue, plan, entries, retryPolicy } = this.options
    for (let attempt = 1; ; attempt += 1) {
      try {
        await queue.settle(plan, entries, results, fence)
        break
      } catch (error) {
        const delay = attempt < 4 ? retryPolicy.delayFor(error, attempt) : undefined
        if (delay === undefined) throw error
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, 2_000)))
      }
    }
    for (const result of results) this.committed.set(result.entryId, result)
    this.reportChanges(results)
  }

  /** One `change` event per entry Salesforce accepted, when anyone listens. */
  private reportChanges(results: readonly EntryResult[]): void {
    const { changes, onChange, plan, entries } = this.options
    const request = changes?.()
    if (!request || !onChange) return
    this.entriesById ??= new Map(entries.map((e) => [e.id, e]))
    for (const result of results) {
      if (result.outcome !== 'success') continue
      const entry = this.entriesById.get(result.entryId)
      if (!entry) continue
      const columns = entry.action === 'DELETE' ? [] : Object.keys(entry.values)
      onChange({
        direction: 'push',
        mapping: plan.object,
        action: entry.action,
        sfid: result.sfid ?? entry.sfid,
        recordId: entry.recordId,
        columns,
        ...(request.values
          ? { values: Object.fromEntries(columns.map((c) => [c, entry.values[c] ?? null])) }
          : {}),
      })
    }
  }

  /** Returns every entry without a committed outcome to NEW, and lifts the fence. */
  private async giveBack(fence?: InsertFence): Promise<void> {
    const pending = this.options.entries.filter((e) => !this.committed.has(e.id)).map((e) => e.id)
    await this.options.queue.release(pending).catch(() => {}) // else the lease returns them
    await fence?.lift()
  }

  /** What is wrong with a strategy's results, if anything: one result per entry it was given. */
  private contractProblem(results: readonly EntryResult[]): string | undefined {
    const seen = new Set<number>()
    const extra: number[] = []
    for (const result of results) {
      if (!this.readyIds.has(result.entryId) || seen.has(result.entryId)) extra.push(result.entryId)
      seen.add(result.entryId)
    }
    const missing = this.ready.filter((e) => !seen.has(e.id)).map((e) => e.id)
    if (missing.length === 0 && extra.length === 0) return undefined
    const list = (ids: number[]) => ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '')
    return [
      `write() must return exactly one result per entry it is given (${this.ready.length} entries, ${results.length} results)`,
      missing.length > 0 ? `no result for entries ${list(missing)}` : '',
      extra.length > 0 ? `unknown or repeated results for entries ${list(extra)}` : '',
    ]
      .filter(Boolean)
      .join('; ')
  }
}
