import type { EventEmitter } from 'eventemitter3'
import { PgforceError } from '../errors/pgforce-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeSignal, ChangeSource, SyncDirection } from '../sources/change-source.js'
import type { ApiBudget } from './api-budget.js'
import { LaneScheduler } from './lane-scheduler.js'
import { PullLeadership } from './pull-leadership.js'
import type { ResolvedEngineOptions } from './resolve-engine-options.js'
import type { PullReport, PushReport, SyncEngineEvents } from './sync-engine-events.js'

/** What a running engine needs from its `SyncEngine`. @internal */
export interface EngineRuntimeHost {
  readonly options: ResolvedEngineOptions
  readonly sources: readonly ChangeSource[]
  readonly budget: ApiBudget
  readonly events: EventEmitter<SyncEngineEvents>
  /** Runs one pull or push and reports it (events included). */
  run(
    direction: SyncDirection,
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    signal: AbortSignal,
  ): Promise<PullReport | PushReport>
  /** Reports a failed run. */
  failed(direction: SyncDirection, object: string, error: unknown, retryInMs?: number): void
  /** Background upkeep a running engine does on timers. */
  readonly upkeep: readonly {
    readonly name: string
    readonly everyMs: number
    run(): Promise<unknown>
  }[]
}

/**
 * The moving parts of a started `SyncEngine`: the change sources, the lane scheduler (one run per
 * mapping and direction at a time), pull leadership among several workers, background timers,
 * and pause/resume. Made by `start()`, ended by `stop()`.
 * @internal
 */
export class EngineRuntime {
  private readonly host: EngineRuntimeHost
  private readonly plans: ReadonlyMap<string, MappingSchema>
  private readonly scheduler: LaneScheduler<ChangeSignal>
  private readonly leadership: PullLeadership
  private readonly abort = new AbortController()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly heldWhilePaused = new Map<string, ChangeSignal>()
  private readonly delayedPushes = new Map<string, NodeJS.Timeout>()
  private readonly lastPullAt = new Map<string, number>()
  private isPaused = false

  constructor(host: EngineRuntimeHost, plans: ReadonlyMap<string, MappingSchema>) {
    this.host = host
    this.plans = plans
    const { options, events } = host
    this.leadership = new PullLeadership(
      options.connection.pool,
      options.connection.schema,
      (mapping, leader) => events.emit('leadership', { mapping, leader }),
    )
    this.scheduler = new LaneScheduler<ChangeSignal>({
      concurrency: options.concurrency,
      retryDelay: (error, attempt) => options.retryPolicy.delayFor(error, attempt),
      run: ({ key, hints, signal }) => this.runLane(key, hints, signal),
      onOutcome: ({ key, error, retryInMs }) => {
        const [direction, object] = splitKey(key)
        if (error !== undefined) host.failed(direction, object, error, retryInMs)
      },
    })
  }

  /** Whether runs are paused (changes still accumulate in the trigger log). */
  get paused(): boolean {
    return this.isPaused
  }

  /** The mappings whose pulls this engine leads. */
  get leading(): ReadonlySet<string> {
    return this.leadership.leading
  }

  /** Starts the sources and timers and asks for a first pull and push of every mapping. */
  async start(): Promise<void> {
    const { options, events, sources } = this.host
    try {
      await Promise.all(
        sources.map((source) =>
          source.start({
            connection: options.connection,
            reportError: (error) => events.emit('error', { error, context: source.name }),
            reportConnection: (event) =>
              events.emit(
                event.state === 'connected' ? 'source:connected' : 'source:reconnecting',
                event,
              ),
            mappings: options.mappings,
            abortSignal: this.abort.signal,
            signal: (change) => this.signal(change),
          }),
        ),
      )
    } catch (error) {
      await this.stop()
      throw error
    }
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

  /** Stops sources and timers, waits for runs in flight, gives up pull leadership. */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer)
    for (const timer of this.delayedPushes.values()) clearTimeout(timer)
    this.delayedPushes.clear()
    this.abort.abort()
    await Promise.allSettled(this.host.sources.map((source) => source.stop()))
    await this.scheduler.close()
    await this.leadership.close()
  }

  /** Asks for a run; held while paused, thinned out while the API budget is low. */
  signal(change: ChangeSignal): void {
    const plan = this.plans.get(change.object.toLowerCase())
    if (!plan || (change.direction === 'push' && plan.mapping.access !== 'read_write')) return
    const key = `${change.direction}:${plan.object}`
    if (this.isPaused) {
      if (!this.heldWhilePaused.has(key)) this.heldWhilePaused.set(key, change)
      return
    }
    const level = this.host.budget.level(plan.object)
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
        this.scheduler.signal(key, change)
      }, this.host.budget.lowBudgetPushDelayMs)
      timer.unref()
      this.delayedPushes.set(key, timer)
      return
    }
    this.scheduler.signal(key, change)
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
    const held = [...this.heldWhilePaused.values()]
    this.heldWhilePaused.clear()
    for (const change of held) this.signal(change)
    for (const plan of this.plans.values()) {
      this.signal({ object: plan.object, direction: 'pull', reason: 'resume' })
      this.signal({ object: plan.object, direction: 'push', reason: 'resume' })
    }
  }

  private async runLane(key: string, hints: readonly ChangeSignal[], signal: AbortSignal) {
    const [direction, object] = splitKey(key)
    const plan = this.plans.get(object.toLowerCase())
    if (!plan) return
    if (this.isPaused) {
      // Queued before pause(): keep the request for resume().
      const hint = hints[0] ?? { object: plan.object, direction, reason: 'resume' }
      if (!this.heldWhilePaused.has(key)) this.heldWhilePaused.set(key, hint)
      return
    }
    if (direction === 'pull' && !(await this.leadership.lead(plan.object))) return
    if (direction === 'pull') this.lastPullAt.set(plan.object, Date.now())
    const report = await this.host.run(direction, plan, hints, signal)
    if (direction === 'push' && (report as PushReport).succeeded > 0) this.signalChildren(plan)
  }

  /** After a parent's push: children held back waiting for it can go now. */
  private signalChildren(parent: MappingSchema): void {
    for (const plan of this.plans.values()) {
      if (plan.columns.some((c) => c.lookup?.parentRow?.table === parent.mapping.table))
        this.signal({ object: plan.object, direction: 'push', reason: 'parent' })
    }
  }

  /** Runs a background task every `ms`; its failures become `error` events. */
  private every(ms: number, context: string, task: () => Promise<unknown>): void {
    if (ms <= 0) return
    const timer = setInterval(() => {
      task().catch((error: unknown) =>
        this.host.events.emit('error', {
          error: error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error)),
          context,
        }),
      )
    }, ms)
    timer.unref()
    this.timers.push(timer)
  }
}

function splitKey(key: string): [SyncDirection, string] {
  const at = key.indexOf(':')
  return [key.slice(0, at) as SyncDirection, key.slice(at + 1)]
}
