import type { RetryPolicy } from '../errors/retry-policy.js'
import { WriteStrategyError } from '../errors/write-strategy-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { InsertFence } from '../store/insert-fence.js'
import type { SyncStore } from '../store/sync-store.js'
import type { TriggerLogQueue } from '../store/trigger-log-queue.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
  WriteStrategy,
} from '../strategies/write-strategy.js'
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
}

/**
 * One claimed round of a push: the strategy writes the entries, and every outcome is committed
 * (entry state, the row's sfid, `_hc_lastop`, `_hc_err`) as soon as its Salesforce call answers,
 * through `context.commit`; what the strategy reports only at the end is committed then. So a
 * crash or a stop loses at most the call in flight (docs/concepts/delivery-guarantees.md):
 * - a commit that fails after Salesforce answered is retried at once (a few times, by the retry
 *   policy); if it still fails, the call's entries go back to NEW straight away (a resend is an
 *   upsert where the mapping has an external id) instead of waiting out the claim's lease;
 * - when the strategy throws, or the engine stops, entries without a committed outcome go back
 *   to NEW;
 * - a strategy that does not return exactly one result per entry fails loudly
 *   (`WriteStrategyError`);
 * - a change whose values Salesforce cannot take as they are (NaN, an infinite or BC date, too
 *   many digits) is not sent: it fails with `PGFORCE_INVALID_VALUE`, and the record's later
 *   changes in the round wait behind it.
 * A round that may create records raises the table's insert fence first, and lifts it with the
 * last commit.
 * @internal
 */
export class PushRound {
  private readonly options: PushRoundOptions
  private readonly committed = new Map<number, EntryResult>()
  private readonly ready: readonly ChangeEntry[]
  private readonly readyIds: ReadonlySet<number>
  private readonly entriesById: ReadonlyMap<number, ChangeEntry>
  /** Results decided before the strategy runs: values Salesforce cannot take, and what waits. */
  private readonly decided: readonly EntryResult[]
  /** The commits under way, in call order (each waits for the one before). */
  private committing: Promise<void> = Promise.resolve()
  /** The first commit that failed: later ones are not made, and the round fails with it. */
  private commitFailure: { readonly error: unknown } | undefined
  /** The external id's column, when the mapping has one. */
  private readonly externalIdColumn: string | undefined

  constructor(options: PushRoundOptions) {
    this.options = options
    const refused = unsendableEntries(options.plan, options.entries)
    // A record whose change is refused keeps its later changes back, as a rejected one does.
    const stopped = new Set<number>()
    const decided: EntryResult[] = []
    const ready: ChangeEntry[] = []
    for (const entry of options.entries) {
      const error = refused.get(entry.id)
      if (options.held.has(entry.id)) decided.push({ entryId: entry.id, outcome: 'deferred' })
      else if (stopped.has(entry.recordId)) decided.push({ entryId: entry.id, outcome: 'deferred' })
      else if (error) {
        decided.push({ entryId: entry.id, outcome: 'failed', error })
        stopped.add(entry.recordId)
      } else ready.push(entry)
    }
    this.ready = ready
    this.readyIds = new Set(ready.map((e) => e.id))
    this.entriesById = new Map(options.entries.map((e) => [e.id, e]))
    this.decided = decided
    const { plan } = options
    this.externalIdColumn = plan.columns.find((c) => c.field === plan.externalId)?.column
  }

  /** Writes and commits the round; `stopped` when the engine's stop cut it short. */
  async run(): Promise<{ results: EntryResult[]; stopped: boolean }> {
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
          ? await strategy.write(this.ready, { ...context, commit: (r) => this.commit(r) })
          : []
    } catch (error) {
      await this.committing
      await this.giveBack(fence)
      if (context.signal.aborted) return { results: [...this.committed.values()], stopped: true }
      throw error
    }
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
   * `context.commit`: records outcomes of ready entries not committed yet, after the commits
   * before it. When sending the call again could not create a record twice (upserts on an
   * external id, updates, deletes, rejections), the strategy's next call starts while this
   * commit runs, so the database work hides behind Salesforce's answer; a call that created
   * records without an external id waits for its commit, so a crash duplicates at most that one
   * call (docs/concepts/delivery-guarantees.md). A failed commit fails the round: later commits
   * are not made, and their entries go back to NEW in order.
   */
  private async commit(results: readonly EntryResult[]): Promise<void> {
    this.throwIfCommitFailed()
    const fresh = results.filter(
      (r) => this.readyIds.has(r.entryId) && !this.committed.has(r.entryId),
    )
    if (fresh.length === 0) return
    const done = this.committing.then(async () => {
      if (this.commitFailure) return
      await this.settle(fresh, undefined).catch((error: unknown) => {
        this.commitFailure = { error }
      })
    })
    this.committing = done
    if (!fresh.some((r) => this.createdWithoutKey(r))) return
    await done
    this.throwIfCommitFailed()
  }

  private throwIfCommitFailed(): void {
    if (this.commitFailure) throw this.commitFailure.error
  }

  /**
   * Whether `result` may stand for a record created without an external id: sent again, it would
   * be created twice. Taken broadly: any success for an entry whose row had no sfid and whose
   * values carry no external id.
   */
  private createdWithoutKey(result: EntryResult): boolean {
    if (result.outcome !== 'success') return false
    const entry = this.entriesById.get(result.entryId)
    if (!entry || entry.sfid !== null) return false
    const column = this.externalIdColumn
    return column === undefined || (entry.values[column] ?? null) === null
  }

  /** Commits outcomes, retrying a failed commit at once; gives the entries back if it cannot. */
  private async settle(results: readonly EntryResult[], fence: InsertFence | undefined) {
    const { queue, plan, entries, retryPolicy } = this.options
    for (let attempt = 1; ; attempt += 1) {
      try {
        await queue.settle(plan, entries, results, fence)
        break
      } catch (error) {
        const delay = attempt < 4 ? retryPolicy.delayFor(error, attempt) : undefined
        if (delay === undefined) {
          await queue.release(results.map((r) => r.entryId)).catch(() => {})
          throw error
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, 2_000)))
      }
    }
    for (const result of results) this.committed.set(result.entryId, result)
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
