import { PgforceError } from '../errors/pgforce-error.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { readsOnlyNamedRecords } from '../pull/salesforce-pull.js'
import type { Emit } from '../runs/emit.js'
import type { ChangeSignal, ChangeSource } from '../sources/change-source.js'
import type { PullLeadership } from '../store/pull-leadership.js'
import type { SyncStore } from '../store/sync-store.js'
import type { ApiBudget } from './api-budget.js'
import { DoorKeeper } from './door-keeper.js'
import { type LaneKey, LaneScheduler } from './lane-scheduler.js'
import type { MappingRuns } from './mapping-runs.js'
import { compactSignals } from './merge-signals.js'
import { readsBack } from './read-back.js'
import { RecheckTimers } from './recheck-timers.js'
import type { ResolvedEngineOptions } from './resolve-engine-options.js'
import type { SalesforceMeter } from './salesforce-meter.js'
import { ABANDONED, STOPPING, stopDeadline } from './stop-deadline.js'
import type { SyncEngineEvents } from './sync-engine-events.js'

/** How `stop()` treats runs in flight. */
export interface StopOptions {
  /**
   * `true` (the default): runs stop at their next safe point — after the Salesforce call in flight
   * and its commit — and `stop()` waits for that, up to `timeoutMs`. `false`: calls in flight are
   * given up at once and their entries go back to NEW.
   */
  readonly graceful?: boolean
  /**
   * With `graceful`, how long to wait for calls in flight before giving them up. @default 10 000
   */
  readonly timeoutMs?: number
}

/** What a running engine is made of, from its `SyncEngine`. @internal */
export interface RunningEngineParts {
  readonly options: ResolvedEngineOptions
  readonly sources: readonly ChangeSource[]
  readonly budget: ApiBudget
  /** pgforce's bookkeeping in Postgres (pull leadership comes from it). */
  readonly store: SyncStore
  /** The doors to Salesforce handed to change sources (runs get theirs from `runs`). */
  readonly meter: SalesforceMeter
  /** Runs a mapping's pull or push (events included). */
  readonly runs: MappingRuns
  readonly emit: Emit<SyncEngineEvents>
  /** Background upkeep a running engine does on timers. */
  readonly upkeep: readonly {
    readonly name: string
    readonly everyMs: number
    run(): Promise<unknown>
  }[]
}

/**
 * A started `SyncEngine`: the one object that owns what runs — the change sources, the lane
 * scheduler (one run per mapping and direction at a time), pull leadership among several workers,
 * pause, budget thinning and background upkeep. Made by `start()`, ended by `stop()`
 * (docs/concepts/architecture.md).
 * @internal
 */
export class RunningEngine {
  private readonly host: RunningEngineParts
  /** The plans as they are now: a describe refresh may re-plan a mapping while running. */
  private readonly currentPlans: () => ReadonlyMap<string, MappingSchema>
  private readonly scheduler: LaneScheduler<ChangeSignal>
  private readonly leadership: PullLeadership
  /** Holds the trigger log's doorbell while pushes drain it; only when this engine LISTENs. */
  private readonly door: DoorKeeper | undefined
  private readonly stopping = new AbortController()
  private readonly abandon = new AbortController()
  private readonly timers: NodeJS.Timeout[] = []
  /** Signals held while paused, per lane (see holdWhilePaused). */
  private readonly heldWhilePaused = new Map<string, ChangeSignal[]>()
  private readonly delayedPushes = new Map<string, NodeJS.Timeout>()
  private readonly lastPullAt = new Map<string, number>()
  /** A pull per mapping at the time records read while their push was in flight are due. */
  private readonly rechecks = new RecheckTimers((object) =>
    this.signal({ object, direction: 'pull', reason: 'recheck' }),
  )
  private sessionErrorReported = false
  private isPaused = false

  constructor(host: RunningEngineParts, plans: () => ReadonlyMap<string, MappingSchema>) {
    this.host = host
    this.currentPlans = plans
    const { options, emit } = host
    this.leadership = host.store.pullLeadership(
      (mapping, leader) => emit('leadership', { mapping, leader }),
      // Another engine pushed records of a mapping this one leads: read them back.
      (object) => this.signal({ object, direction: 'pull', reason: 'pushed' }),
      { leaseMs: options.pullLeaseMs, sessionPool: options.connection.sessionPool },
    )
    this.scheduler = new LaneScheduler<ChangeSignal>({
      concurrency: options.concurrency,
      retryDelay: (error, attempt) => options.retryPolicy.delayFor(error, attempt),
      // Signals that gather while a lane waits (a spent budget waits for the next UTC day): one
      // per channel, records beyond MAX_NAMED_RECORDS read by following the cursor.
      compact: compactSignals,
      run: ({ lane, hints }) => this.runLane(lane, hints),
      onOutcome: ({ lane, error, retryInMs, dropped }) => {
        if (error === undefined) return
        host.runs.failed(lane.direction, lane.object, error, retryInMs)
        this.reportTerminalSession(error)
        if (dropped) this.reportDropped(lane, dropped)
      },
    })
    // Writers skip their NOTIFY while an engine holds the door: only one that listens holds it.
    this.door = host.sources.some((source) => source.listensToTriggerLog === true)
      ? new DoorKeeper({
          doorbell: host.store.doorbell,
          pushAll: () => this.pushAll('drain'),
          listening: () =>
            host.sources.some((source) => source.listensToTriggerLog === true && !source.deaf),
          onError: (error) =>
            emit('error', {
              error:
                error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error)),
              context: 'doorbell',
            }),
        })
      : undefined
  }

  private get plans(): ReadonlyMap<string, MappingSchema> {
    return this.currentPlans()
  }

  /** Whether runs are paused (changes still accumulate in the trigger log). */
  get paused(): boolean {
    return this.isPaused
  }

  /** The mappings whose pulls this engine leads. */
  get leading(): ReadonlySet<string> {
    return this.leadership.leading
  }

  /**
   * Starts the sources and timers and asks for a first pull and push of every mapping; with
   * `paused` (the shared switch is on), those requests wait for `resume()`.
   */
  async start(startPaused = false): Promise<void> {
    this.isPaused = startPaused
    const { options, emit, sources, meter } = this.host
    try {
      await Promise.all(
        sources.map((source) =>
          source.start({
            connection: options.connection,
            salesforce: (object) => meter.for(object, this.abandon.signal),
            reportError: (error) => emit('error', { error, context: source.name }),
            reportConnection: (event) =>
              emit(event.state === 'connected' ? 'source:connected' : 'source:reconnecting', event),
            mappings: options.mappings,
            abortSignal: this.stopping.signal,
            signal: (change) => this.signal(change),
          }),
        ),
      )
    } catch (error) {
      await this.stop({ graceful: false })
      throw error
    }
    // It LISTENs now: writers notify while it says so.
    this.door?.start()
    for (const task of this.host.upkeep) this.every(task.everyMs, task.name, () => task.run())
    // Workers that do not lead a mapping's pull try to take it over now and then.
    this.every(options.takeoverCheckMs, 'pull leadership', async () => {
      for (const plan of this.plans.values()) {
        if (!this.leadership.leading.has(plan.object))
          this.signal({ object: plan.object, direction: 'pull', reason: 'takeover' })
      }
    })
    for (const plan of this.plans.values()) {
      this.signal({ object: plan.object, direction: 'pull', reason: 'startup' })
      this.signal({ object: plan.object, direction: 'push', reason: 'startup' })
    }
  }

  /**
   * Stops sources and timers and asks runs in flight to stop at their next safe point; waits for
   * them (giving up their Salesforce calls at once when not `graceful`, or after `timeoutMs`);
   * gives up pull leadership.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer)
    for (const timer of this.delayedPushes.values()) clearTimeout(timer)
    this.delayedPushes.clear()
    this.rechecks.close()
    // Its sources stop listening now: it no longer says it does.
    this.door?.stopRenewing()
    this.stopping.abort(STOPPING)
    const sourcesStopped = Promise.allSettled(this.host.sources.map((source) => source.stop()))
    const runsStopped = this.scheduler.close()
    const cancel = stopDeadline(options, () => this.abandonRuns())
    try {
      await Promise.all([sourcesStopped, runsStopped])
    } finally {
      cancel()
    }
    await this.door?.close()
    await this.leadership.close()
  }

  /** Gives up the Salesforce calls of runs in flight (a second, impatient `stop()`). */
  abandonRuns(): void {
    if (!this.abandon.signal.aborted) this.abandon.abort(ABANDONED)
  }

  /** Asks for a run; held while paused, thinned out while the API budget is low. */
  signal(change: ChangeSignal): void {
    const plan = this.plans.get(change.object.toLowerCase())
    if (!plan || (change.direction === 'push' && plan.mapping.access !== 'read_write')) return
    const lane: LaneKey = { direction: change.direction, object: plan.object }
    const key = `${lane.direction}:${lane.object}`
    if (this.isPaused) {
      this.holdWhilePaused(key, [change])
      return
    }
    const level = this.host.budget.level(plan.object)
    // Low budget: reading pushed records back early is left to the next poll.
    if (level !== 'ok' && change.direction === 'pull' && change.reason === 'pushed') return
    if (level !== 'ok' && change.direction === 'pull' && change.reason === 'poll') {
      // Low budget: poll at most every 4 intervals; spent: polls would only be refused.
      const last = this.lastPullAt.get(plan.object) ?? 0
      if (level === 'exhausted' || Date.now() - last < 4 * plan.mapping.pollIntervalMs) return
    }
    if (level === 'low' && change.direction === 'push' && change.reason !== 'startup') {
      // Low budget: let changes gather, then send them in fewer, fuller calls.
      if (this.delayedPushes.has(key)) return
      const timer = setTimeout(() => {
        this.delayedPushes.delete(key)
        this.scheduler.signal(lane, change)
      }, this.host.budget.lowBudgetPushDelayMs)
      timer.unref()
      this.delayedPushes.set(key, timer)
      return
    }
    this.scheduler.signal(lane, change)
  }

  /** Stops starting runs and gives up pull leadership; waits for runs in flight. */
  async pause(): Promise<void> {
    if (this.isPaused) return
    this.isPaused = true
    await this.scheduler.drain()
    await this.leadership.release()
  }

  /** Runs again: everything signalled while paused, and a push of every mapping. */
  resume(): void {
    if (!this.isPaused) return
    this.isPaused = false
    const held = [...this.heldWhilePaused.values()].flat()
    this.heldWhilePaused.clear()
    for (const change of held) this.signal(change)
    for (const plan of this.plans.values()) {
      this.signal({ object: plan.object, direction: 'pull', reason: 'resume' })
      this.signal({ object: plan.object, direction: 'push', reason: 'resume' })
    }
  }

  private async runLane(lane: LaneKey, hints: readonly ChangeSignal[]): Promise<void> {
    const { direction } = lane
    const plan = this.plans.get(lane.object.toLowerCase())
    if (!plan || this.stopping.signal.aborted) return
    if (this.isPaused) {
      // Queued before pause(): keep the request for resume().
      this.holdWhilePaused(
        `${direction}:${plan.object}`,
        hints.length > 0 ? hints : [{ object: plan.object, direction, reason: 'resume' }],
      )
      return
    }
    if (direction === 'pull' && !(await this.leadership.lead(plan.object))) return
    // Low-budget polls wait for the last pull that followed the cursor: one that only re-read
    // named records (streaming) finds no hard delete and no change that sent no event.
    if (direction === 'pull' && !readsOnlyNamedRecords(hints))
      this.lastPullAt.set(plan.object, Date.now())
    // A pull holds the unsent changes of the records it applies locked while it decides about
    // them, and a push that runs meanwhile skips them (its claim does not wait for locks): after
    // a pull that kept some — or that failed after committing pages, which may have — push.
    const pushAfterPull = () =>
      this.signal({ object: plan.object, direction: 'push', reason: 'pull' })
    if (direction === 'push') await this.door?.beforePush(hints.map((h) => h.reason))
    const report = await this.host.runs
      .run(direction, plan, hints, {
        signal: this.stopping.signal,
        abandon: this.abandon.signal,
        // A push that keeps finding changes holds the door from its first round, whatever woke it.
        onSending: () => this.door?.sending(),
      })
      .catch(async (error: unknown) => {
        if (direction === 'pull' && plan.mapping.access === 'read_write') pushAfterPull()
        if (direction === 'push') await this.door?.pushFailed(plan.object)
        throw error
      })
    if (report.direction === 'push') await this.door?.afterPush(plan.object, report.sent)
    if (report.direction === 'push' && report.succeeded > 0) this.signalChildren(plan)
    if (report.direction === 'push' && readsBack(plan, report)) await this.readBack(plan)
    if (report.direction === 'pull' && report.keptUnsent > 0) pushAfterPull()
    if (report.direction === 'pull' && report.recheckInMs !== undefined)
      this.rechecks.in(plan.object, report.recheckInMs)
  }

  /**
   * After a push of a mapping with columns Salesforce computes: the mapping's pull reads what
   * Salesforce computed, now (docs/guides/mappings.md, "Values Salesforce computes"). Only the
   * leader pulls: this engine signals its own pull when it leads, else asks the leader (on
   * whichever worker) through Postgres; when none leads just then, the next poll brings them.
   */
  private async readBack(plan: MappingSchema): Promise<void> {
    if (this.leadership.leading.has(plan.object)) {
      this.signal({ object: plan.object, direction: 'pull', reason: 'pushed' })
      return
    }
    await this.host.store.requestPull(plan.object).catch((error: unknown) =>
      this.host.emit('error', {
        error: error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error)),
        context: 'read-back request',
      }),
    )
  }

  /**
   * The signals of a lane whose runs failed for good three times in a row are given up: said as
   * an `error` event naming the records, and released, so a source waiting on them goes on (its
   * stream position then moves past their events; the cursor pulls still read every change with
   * a newer SystemModstamp).
   */
  private reportDropped(lane: LaneKey, dropped: readonly ChangeSignal[]): void {
    const ids = [...new Set(dropped.flatMap((change) => change.recordIds ?? []))]
    this.host.emit('error', {
      error: new PgforceError(
        'ENGINE_STATE',
        `The ${lane.direction} of ${lane.object} failed for good three times in a row: ${dropped.length} change signal(s) given up${ids.length > 0 ? `, naming ${ids.length} record(s) (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}); engine.verify({ repair: true }) re-reads drifted rows` : ''}`,
      ),
      context: `${lane.direction} ${lane.object}`,
    })
    for (const change of dropped) change.onCommitted?.()
  }

  /**
   * Keeps signals of a lane for `resume()`: one plain one per reason, and per channel one that
   * merges every signal naming records or carrying a stream position (compactSignals), so a long
   * pause holds a few signals per lane, and the pull after it reads every record they named (past
   * MAX_NAMED_RECORDS, by following the cursor).
   */
  private holdWhilePaused(key: string, changes: readonly ChangeSignal[]): void {
    this.heldWhilePaused.set(
      key,
      compactSignals([...(this.heldWhilePaused.get(key) ?? []), ...changes]),
    )
  }

  /** Asks for a push of every read/write mapping. */
  private pushAll(reason: ChangeSignal['reason']): void {
    for (const plan of this.plans.values())
      this.signal({ object: plan.object, direction: 'push', reason })
  }

  /** After a parent's push: children held back waiting for it can go now. */
  private signalChildren(parent: MappingSchema): void {
    for (const plan of this.plans.values()) {
      if (plan.columns.some((c) => c.lookup?.parentRow?.table === parent.mapping.table))
        this.signal({ object: plan.object, direction: 'push', reason: 'parent' })
    }
  }

  /**
   * An expired session the connection cannot renew stops every call until the app supplies a new
   * token: say so once, as an `error` event, rather than in every failed run.
   */
  private reportTerminalSession(error: unknown): void {
    if (
      this.sessionErrorReported ||
      !(error instanceof SalesforceApiError) ||
      error.errorCode !== 'INVALID_SESSION_ID' ||
      error.retryable
    )
      return
    this.sessionErrorReported = true
    this.host.emit('error', { error, context: 'salesforce session' })
  }

  /** Runs a background task every `ms`; its failures become `error` events. */
  private every(ms: number, context: string, task: () => Promise<unknown>): void {
    if (ms <= 0) return
    const timer = setInterval(() => {
      task().catch((error: unknown) =>
        this.host.emit('error', {
          error: error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error)),
          context,
        }),
      )
    }, ms)
    timer.unref()
    this.timers.push(timer)
  }
}
