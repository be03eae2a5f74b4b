import { EventEmitter } from 'eventemitter3'
import type { ConnectionWarning } from '../connection/connection-warning.js'
import { ConfigError } from '../errors/config-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { parentsFirst } from '../mappings/plan-mappings.js'
import type { Diagnosis } from '../operations/diagnosis.js'
import { gatherDiagnosis } from '../operations/gather-diagnosis.js'
import { MappingPhases } from '../operations/mapping-state.js'
import { WarningMonitor } from '../operations/warning-monitor.js'
import { type InstallReport, SchemaInstaller } from '../postgres/install/schema-installer.js'
import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'
import type { Emit } from '../runs/emit.js'
import type {
  ChangeReason,
  ChangeSignal,
  ChangeSource,
  SyncDirection,
} from '../sources/change-source.js'
import type { FailedEntryFilter, FailedWrite } from '../store/failed-entries.js'
import type { PullFailureFilter } from '../store/pull-failures.js'
import { SyncStore } from '../store/sync-store.js'
import type { WriteError, WriteErrorFilter } from '../store/write-errors.js'
import { ApiBudget } from './api-budget.js'
import { defaultRunners, defaultSources } from './default-engine-parts.js'
import { EngineLifecycle, type EngineState } from './engine-lifecycle.js'
import { attachLogger } from './engine-logger.js'
import { type EngineRunners, runnersOverride } from './engine-runners.js'
import { type EngineStatus, mappingStatuses, RunHistory } from './engine-status.js'
import { MappingPlanner } from './mapping-planner.js'
import { MappingRuns } from './mapping-runs.js'
import { OneOffRuns } from './one-off-runs.js'
import { readsBack } from './read-back.js'
import { type ReconcileReport, reconcileMapping } from './reconcile.js'
import {
  type ResolvedEngineOptions,
  resolveEngineOptions,
  type SyncEngineOptions,
} from './resolve-engine-options.js'
import { RunningEngine, type StopOptions } from './running-engine.js'
import { SalesforceMeter } from './salesforce-meter.js'
import { SchemaWatch, signature } from './schema-watch.js'
import type { SyncEngineEvents } from './sync-engine-events.js'
import { sampleSizes, type VerifyMappingContext, verifyMapping } from './verify-mapping.js'
import type { VerifyOptions, VerifyReport } from './verify-report.js'

/** What one `syncOnce()` pass did, per mapping. */
export interface SyncPassReport {
  readonly pulls: readonly PullReport[]
  readonly pushes: readonly PushReport[]
}

/**
 * Keeps the mapped objects of one connection in sync (docs/concepts/architecture.md). `install()`
 * creates or upgrades the tables; `start()` starts the change sources and runs each mapping's pull
 * and push whenever a source signals (or a poll interval elapses), one run per mapping and
 * direction at a time; `stop()` stops the sources and lets runs in flight end at their next safe
 * point. `syncOnce()` runs one full pass both ways, for tests and cron jobs.
 *
 * The lifecycle is the table `LIFECYCLE` (docs/spec/engine-lifecycle.md): `start()`/`stop()` are
 * idempotent and safe to call concurrently.
 *
 * @example
 * ```ts
 * const engine = new SyncEngine({ connection, mappings: [account] })
 * engine.on('error', ({ error }) => console.error(error))
 * await engine.install()
 * await engine.start()
 * // …
 * await engine.stop()
 * ```
 */
export class SyncEngine extends EventEmitter<SyncEngineEvents> {
  private readonly options: ResolvedEngineOptions
  private readonly sources: readonly ChangeSource[]
  private readonly history = new RunHistory(this)
  private readonly phases = new MappingPhases(this)
  private readonly warnings: WarningMonitor
  private readonly lifecycle = new EngineLifecycle((from, to) => this.emit('state', { from, to }))
  private readonly store: SyncStore
  private readonly budget: ApiBudget
  private readonly meter: SalesforceMeter
  private readonly planner: MappingPlanner
  private readonly watch: SchemaWatch
  private readonly runs: MappingRuns
  private installed: Promise<void> | undefined
  private readonly emitter: Emit<SyncEngineEvents>
  private running: RunningEngine | undefined
  /** The runs of `syncOnce()`, `reload()` and repairs, which `stop()` stops too. */
  private readonly oneOff = new OneOffRuns()
  /** The running engine `stop()` is stopping, so an impatient second `stop()` can hurry it. */
  private stopping: RunningEngine | undefined

  /** Validates options (throws `ConfigError` listing every problem); connects nothing yet. */
  constructor(options: SyncEngineOptions) {
    super()
    this.options = resolveEngineOptions(options)
    if (this.options.logger) attachLogger(this, this.options.logger)
    const { connection } = this.options
    // The one event path: every part reports through this (docs/reference/events.md).
    const emit: Emit<SyncEngineEvents> = (name, ...payload) => {
      ;(this.emit as (name: string, ...payload: unknown[]) => boolean)(name, ...payload)
    }
    this.emitter = emit
    this.store = this.options.store ?? new SyncStore(connection.pool, connection.schema)
    this.budget = new ApiBudget(
      this.store.apiUsage,
      this.options.apiBudget,
      emit,
      () => connection.salesforce.apiUsage,
    )
    this.meter = new SalesforceMeter(connection.salesforce, this.budget)
    this.watch = new SchemaWatch({ store: this.store, emit, planner: () => this.planner })
    this.planner = new MappingPlanner({
      connection,
      mappings: this.options.mappings,
      meter: this.meter,
      recorded: () => this.store.recordedMappings(),
      onDrift: (outcome) => this.watch.onDrift(outcome),
    })
    let runners: EngineRunners | undefined
    this.runs = new MappingRuns({
      runners: () => {
        runners ??=
          runnersOverride(this) ??
          defaultRunners(this.options, this.store, emit, () =>
            this.listenerCount('change') > 0 ? this.options.changeEvents : undefined,
          )
        return runners
      },
      meter: this.meter,
      emit,
      replanner: this.watch,
      schema: connection.schema,
    })
    this.sources = this.options.sources ?? defaultSources(this.options.streaming)
    this.warnings = new WarningMonitor({
      events: this,
      warnings: this.store.warnings,
      options: this.options.operations,
      schema: connection.schema,
      emit,
    })
  }

  /**
   * The plans, once the database is known to be installed for them: `start()`, `syncOnce()` and
   * `reload()` before `install()` (or after a mapping changed) fail with an `EngineStateError`
   * that says to run `install()`.
   */
  private async installedPlans(): Promise<Map<string, MappingSchema>> {
    const plans = await this.planner.plans()
    this.installed ??= this.store.checkInstalled(plans.values())
    this.installed.catch(() => {
      this.installed = undefined
    })
    await this.installed
    return plans
  }

  /** Emits the connection's warnings no engine has reported yet (each once per connection). */
  private reportWarnings(): void {
    const connection = this.options.connection as { takeWarnings?: () => ConnectionWarning[] }
    for (const warning of connection.takeWarnings?.() ?? [])
      this.emitter('connection:warning', warning)
  }

  /** The Postgres schema the engine syncs into (its connection's). */
  get schema(): string {
    return this.options.connection.schema
  }

  /** Where the engine is in its lifecycle. */
  get state(): EngineState {
    return this.lifecycle.state
  }

  /**
   * Describes the mapped objects again and checks the mappings against them, then creates or
   * upgrades the schema, tables, indexes and triggers in one transaction (columns whose field grew
   * or changed type in Salesforce are widened or retyped first, see the mappings guide, "When
   * Salesforce changes"). Columns added to a table that has rows are loaded for those rows by the
   * next pull (`mapping:drift` `added`). Idempotent; safe to run from several workers at once.
   */
  install(): Promise<InstallReport> {
    this.reportWarnings()
    return this.lifecycle.call('install', async () => {
      const plans = await this.planner.refresh()
      const installer = new SchemaInstaller(
        this.options.connection.pool,
        this.options.connection.schema,
      )
      const report = await installer.install([...plans.values()])
      this.installed = undefined
      for (const added of report.addedColumns) {
        const [table, column] = added.split('.')
        const plan = [...plans.values()].find((p) => p.mapping.table === table)
        const spec = plan?.columns.find((c) => c.column === column && !c.system)
        if (plan && spec)
          this.watch.report({
            mapping: plan.object,
            table: plan.mapping.table,
            field: spec.field,
            column: spec.column,
            change: 'added',
            to: spec.pgType,
            salesforceType: spec.sfType,
          })
      }
      return report
    })
  }

  /** Starts change sources and the scheduler. Resolves once running. */
  start(): Promise<void> {
    this.reportWarnings()
    return this.lifecycle.call('start', () =>
      this.lifecycle.transition('starting', 'running', () => this.doStart()),
    )
  }

  /**
   * Stops change sources and timers; pulls and pushes in flight stop at their next safe point
   * (after the Salesforce call under way and its commit; a push gives back the entries it had not
   * sent) and `stop()` waits for them, up to `timeoutMs` (default 10 s). With `graceful: false`,
   * or once the timeout passes, Salesforce calls in flight are given up and their entries go back
   * to NEW (see docs/spec/engine-lifecycle.md). A second `stop({ graceful: false })` while a
   * graceful stop waits makes it give up at once. Resolves with nothing claimed and every timer,
   * connection and subscription of the engine closed.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (options.graceful === false && this.lifecycle.state === 'stopping')
      this.stopping?.abandonRuns()
    return this.lifecycle.call('stop', () =>
      this.lifecycle.transition('stopping', 'stopped', () => this.doStop(options)),
    )
  }

  /**
   * One full pass: every mapping pulled, then every read/write mapping pushed, then each mapping
   * whose push wrote records and that maps columns Salesforce computes (formulas, auto-numbers, …)
   * pulled again, so the rows hold those values when it returns (`pulls` lists that pull too,
   * docs/guides/mappings.md, "Values Salesforce computes"). Rejects with the
   * first run's error (a `SalesforceApiError` when Salesforce refused a whole call — 503, limits,
   * an expired session — or a `PostgresError`); what that run had not committed stays queued, and
   * the next pass sends it. Records Salesforce rejects are not errors: they are reported in the
   * push report's `failed` and as `record:failed` events.
   */
  syncOnce(): Promise<SyncPassReport> {
    this.reportWarnings()
    return this.lifecycle.call('syncOnce', async () => {
      const plans = await this.installedPlans()
      const control = this.oneOff.control()
      const pulls: PullReport[] = []
      const pushes: PushReport[] = []
      const once = async <D extends SyncDirection>(
        direction: D,
        plan: MappingSchema,
        reason: ChangeReason = 'poll',
      ) => {
        try {
          return await this.oneOff.track(
            this.runs.run(direction, plan, [{ object: plan.object, direction, reason }], control),
          )
        } catch (error) {
          this.runs.failed(direction, plan.object, error, undefined)
          throw error
        }
      }
      for (const plan of plans.values()) pulls.push((await once('pull', plan)) as PullReport)
      for (const plan of parentsFirst([...plans.values()])) {
        if (plan.mapping.access === 'read_write')
          pushes.push((await once('push', plan)) as PushReport)
      }
      // What Salesforce computed for the records just pushed (docs/guides/mappings.md).
      for (const push of pushes) {
        const plan = plans.get(push.mapping.toLowerCase())
        if (plan && readsBack(plan, push))
          pulls.push((await once('pull', plan, 'pushed')) as PullReport)
      }
      return { pulls, pushes }
    })
  }

  /**
   * Puts FAILED `_trigger_log` entries back in the queue (all, or those the filter selects), with
   * their values refreshed from the rows as they are now, so a fixed row sends its fixed values.
   * When the engine runs, the push starts at once. Returns how many entries were requeued.
   */
  async retryFailed(filter: FailedEntryFilter = {}): Promise<number> {
    let total = 0
    for (const plan of await this.planner.select(filter)) {
      total += await this.store.failedEntries.requeue(plan, filter.entryIds)
      this.signal({ object: plan.object, direction: 'push', reason: 'poll' })
    }
    return total
  }

  /**
   * The changes Salesforce rejected (FAILED `_trigger_log` entries) of every read/write mapping,
   * or of `objects`: record, action, the values sent and Salesforce's message, newest first, at
   * most `limit` (default 100). `retryFailed({ entryIds })` and `ignoreFailed({ entryIds })` act
   * on them one by one.
   */
  async failedWrites(
    filter: Pick<FailedEntryFilter, 'objects'> & { readonly limit?: number } = {},
  ): Promise<FailedWrite[]> {
    const limit = filter.limit ?? 100
    if (!Number.isInteger(limit) || limit < 1)
      throw new ConfigError(
        [{ path: 'limit', expected: 'a positive integer', received: String(limit) }],
        'failedWrites',
      )
    const plans = await this.planner.select(filter)
    const tables = new Map(plans.map((p) => [p.mapping.table, p.object]))
    return this.store.failedEntries.list(tables, limit)
  }

  /**
   * Dismisses FAILED entries (all, or those the filter selects): they are marked IGNORED and moved
   * to `_trigger_log_archive`. For failures an operator has resolved some other way.
   */
  async ignoreFailed(filter: FailedEntryFilter = {}): Promise<number> {
    let total = 0
    for (const plan of await this.planner.select(filter)) {
      total += await this.store.failedEntries.ignore(plan, filter.entryIds)
    }
    return total
  }

  /**
   * Reads Salesforce records Postgres refused (`pull:record-failed`, listed in
   * `_pgforce_pull_failure`) again at the next pull of their mapping instead of after
   * `pullFailureRetryMs`: after widening a column, say. All of them, or those the filter selects;
   * a running engine starts those pulls at once. A record that now applies leaves the table; one
   * that still fails stays, its `attempts` counted up. Returns how many records were marked.
   */
  async retryPullFailures(filter: PullFailureFilter = {}): Promise<number> {
    const plans = await this.planner.selectAny(filter.objects, 'pull-failure filter')
    const tables = plans.map((p) => p.mapping.table)
    const marked = await this.store.pullFailures.requestRetry(tables, filter.sfids)
    let total = 0
    for (const plan of plans) {
      const count = marked.get(plan.mapping.table) ?? 0
      total += count
      if (count > 0) this.signal({ object: plan.object, direction: 'pull', reason: 'poll' })
    }
    return total
  }

  /**
   * Where every mapping stands: lifecycle state, pull cursor, pending and failed entries (and how
   * old the oldest pending one is), records Postgres refused, the last pull and push, the last
   * error, API usage.
   */
  async status(): Promise<EngineStatus> {
    const plans = [...(await this.planner.plans()).values()]
    const paused = (await this.store.pauseSwitch.read()).paused
    const warnings = await this.store.warnings.open()
    return {
      state: this.lifecycle.state,
      paused,
      mappings: mappingStatuses(plans, await this.store.state.byTable(), this.history, {
        leading: this.running?.leading ?? new Set(),
        callsToday: await this.budget.usedToday(),
        paused,
        phases: this.phases,
        warnings,
      }),
      warnings,
      apiUsage: this.options.connection.salesforce.apiUsage,
      apiBudget: this.options.apiBudget,
    }
  }

  /**
   * Checks the set-up as `heroku connect:diagnose` does — API version, number of mappings and
   * fields, required fields missing from a writable mapping, long text areas, binary fields, the
   * upsert field — and pgforce's own: install, auth flow, pause, trigger-log backlog and its age,
   * failed entries, stream state, schema drift, API calls per day estimated per mapping from its
   * poll interval and the last day's changes, today's budget, open warnings. Each check is GREEN,
   * YELLOW or RED with its reason (docs/guides/monitoring.md, "Diagnose"). Describes each object
   * once (cached after the first call) and reads the database; changes nothing.
   */
  diagnose(): Promise<Diagnosis> {
    return gatherDiagnosis({
      options: this.options,
      sources: this.sources,
      store: this.store,
      plans: () => this.planner.plans(),
      describeOf: (object) => this.planner.describeOf(object),
      status: () => this.status(),
      installProblem: () => this.installProblem(),
      usedToday: () => this.budget.usedToday(),
    })
  }

  /**
   * Whether the database is ready for this engine: `undefined` when the schema is installed at
   * this pgforce's version for these mappings, else what is wrong and what to do (`pgforce run`'s
   * `/healthz` reports it).
   */
  async installProblem(): Promise<string | undefined> {
    try {
      await this.store.checkInstalled((await this.planner.plans()).values())
      return undefined
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  }

  /**
   * The writes Salesforce rejected (FAILED `_trigger_log` entries), newest first: record, action,
   * Salesforce's message, the values sent and when (`pgforce errors`). Filter by mapping and age.
   */
  async writeErrors(
    filter: { readonly objects?: readonly string[] } & Omit<WriteErrorFilter, 'tables'> = {},
  ): Promise<WriteError[]> {
    const plans = await this.planner.selectAny(filter.objects, 'write-error filter')
    const objectOf = new Map(plans.map((p) => [p.mapping.table, p.object]))
    return this.store.writeErrors((table) => objectOf.get(table) ?? table, {
      ...filter,
      tables: plans.map((p) => p.mapping.table),
    })
  }

  /**
   * Pauses every worker on the database, as Heroku Connect's connection-level pause: sets the
   * shared pause switch (`_pgforce_control`), which running engines read every
   * `operations.controlPollMs`; this engine, when running, pauses at once. A paused engine starts
   * no pull or push, waits for those in flight and gives up its pull leadership. Change sources
   * stay connected and changes keep accumulating in `_trigger_log`; `resume()` sends them. An
   * engine started while the switch is on starts paused. `by` is recorded as who paused.
   */
  async pause(by = 'engine.pause()'): Promise<void> {
    await this.store.pauseSwitch.set(true, by)
    await this.followPauseSwitch(true)
  }

  /**
   * Resumes every worker (clears the shared pause switch); this engine, when running, resumes at
   * once and pulls and pushes what accumulated.
   */
  async resume(by = 'engine.resume()'): Promise<void> {
    await this.store.pauseSwitch.set(false, by)
    await this.followPauseSwitch(false)
  }

  /** Brings this running engine in line with the shared pause switch. */
  private async followPauseSwitch(paused: boolean): Promise<void> {
    const running = this.running
    if (!running || running.paused === paused || this.lifecycle.state !== 'running') return
    if (paused) await running.pause()
    else running.resume()
    this.emit('paused', { paused })
  }

  /**
   * Reloads one mapping from Salesforce through Bulk 2.0 (`load:progress` events report it): every
   * record is read again, rows are upserted, and rows of records Salesforce no longer has are
   * removed at the end. The table is never emptied first, so readers see it whole throughout.
   */
  reload(object: string): Promise<PullReport> {
    return this.lifecycle.call('reload', async () => {
      const plan = (await this.installedPlans()).get(object.toLowerCase())
      if (!plan) {
        throw new ConfigError(
          [
            {
              path: 'object',
              expected: "the object of one of the engine's mappings",
              received: `"${object}"`,
            },
          ],
          'reload',
        )
      }
      const report = await this.oneOff.track(
        this.runs.run(
          'pull',
          plan,
          [{ object: plan.object, direction: 'pull', reason: 'reload' }],
          this.oneOff.control(),
        ),
      )
      // As after any pull that kept unsent changes: a push that ran meanwhile skipped them.
      if (report.keptUnsent > 0)
        this.running?.signal({ object: plan.object, direction: 'push', reason: 'pull' })
      return report
    })
  }

  /**
   * Compares Salesforce and Postgres for every mapping (or `objects`): the record counts, and a
   * sample of records value by value — `sample` random rows read back by id (200 per API call)
   * and the `recent` most recently modified records — with the conversions a pull uses. Reports
   * the records that differ, column by column, and those missing on either side; rows with unsent
   * changes and records changed since the last pull are not drift. With `repair`, the drifted
   * records are re-pulled by id through the normal pull (conflict handling applies) and checked
   * again. Every call counts against the API budget. Emits `verify:completed` per mapping
   * (docs/guides/operations.md, "Verify and repair"). Needs `install()`; an unknown object or a
   * bad size is a `ConfigError`.
   */
  verify(options: VerifyOptions = {}): Promise<VerifyReport[]> {
    return this.lifecycle.call('verify', async () => {
      const sizes = sampleSizes(options)
      await this.installedPlans()
      const reports: VerifyReport[] = []
      for (const plan of await this.planner.selectAny(options.objects, 'verify options')) {
        const repair = options.repair
          ? (ids: readonly string[]) => this.repull(plan, ids)
          : undefined
        const report = await verifyMapping(this.verifyContext(plan), plan, {
          ...sizes,
          repair,
        }).finally(() => this.meter.flush())
        this.emit('verify:completed', report)
        reports.push(report)
      }
      return reports
    })
  }

  /**
   * Looks for drift polls cannot see, for every mapping (or one): `verify()` with repair, on a
   * sample of `reconcileSample` rows and the 100 most recent records (values that changed without
   * a SystemModstamp bump, such as formula fields, are re-pulled by id), then a reload of a
   * mapping whose record counts still differ. A running engine does this every
   * `reconcileIntervalMs`. Reports each mapping in `verify:completed` and `reconcile:completed`.
   */
  async reconcile(object?: string): Promise<ReconcileReport[]> {
    const plans = [...(await this.planner.plans()).values()].filter(
      (p) => object === undefined || p.object.toLowerCase() === object.toLowerCase(),
    )
    const sample = this.options.reconcileSample
    const reports: ReconcileReport[] = []
    for (const plan of plans) {
      const { reconcile, verify } = await reconcileMapping(
        this.verifyContext(plan),
        plan,
        { sample, recent: sample > 0 ? 100 : 0, repair: (ids) => this.repull(plan, ids) },
        () => this.reload(plan.object),
      ).finally(() => this.meter.flush())
      this.emit('verify:completed', verify)
      this.emit('reconcile:completed', reconcile)
      reports.push(reconcile)
    }
    return reports
  }

  /**
   * The periodic reconcile of a running engine: only the mappings whose pulls it leads, so that
   * several workers do not each compare (and reload) the same mapping.
   */
  private async reconcileLeading(): Promise<void> {
    const leading = this.running?.leading
    for (const plan of (await this.planner.plans()).values())
      if (leading?.has(plan.object)) await this.reconcile(plan.object)
  }

  /**
   * Deletes `_trigger_log_archive` entries older than `archiveRetentionDays` (or `days`), in
   * batches. A running engine does this every hour; call it yourself when it does not run.
   */
  async trimArchive(days = this.options.archiveRetentionDays): Promise<number> {
    if (days <= 0) return 0
    const deleted = await this.store.failedEntries.trimArchive(days)
    if (deleted > 0) this.emit('archive:trimmed', { deleted })
    return deleted
  }

  /** `await using engine = new SyncEngine(...)` stops it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  private async doStart(): Promise<void> {
    const plans = await this.installedPlans()
    const { operations } = this.options
    const startPaused = (await this.store.pauseSwitch.read()).paused
    const running = new RunningEngine(
      {
        options: this.options,
        sources: this.sources,
        budget: this.budget,
        store: this.store,
        meter: this.meter,
        runs: this.runs,
        emit: this.emitter,
        upkeep: [
          {
            name: 'reconcile',
            everyMs: this.options.reconcileIntervalMs,
            run: () => this.reconcileLeading(),
          },
          {
            name: 'describe refresh',
            everyMs: this.options.describeRefreshIntervalMs,
            run: () => this.refreshDescribes(),
          },
          {
            name: 'archive retention',
            everyMs: this.options.archiveRetentionDays > 0 ? 3_600_000 : 0,
            run: () => this.trimArchive(),
          },
          {
            name: 'pause switch',
            everyMs: operations.controlPollMs,
            run: async () => this.followPauseSwitch((await this.store.pauseSwitch.read()).paused),
          },
          {
            name: 'warnings',
            everyMs: operations.warningCheckMs,
            run: async () => this.warnings.check((await this.status()).mappings),
          },
        ],
      },
      () => this.planner.current() ?? plans,
    )
    this.running = running
    try {
      await running.start(startPaused)
    } catch (error) {
      this.running = undefined
      throw error
    }
    if (startPaused) this.emit('paused', { paused: true })
  }

  private async doStop(options: StopOptions): Promise<void> {
    const running = this.running
    this.running = undefined
    this.stopping = running
    try {
      await Promise.all([running?.stop(options), this.oneOff.stop(options)])
      await this.warnings.settled()
    } finally {
      this.stopping = undefined
    }
  }

  /** What verifying `plan` works with: its metered door to Salesforce among them. */
  private verifyContext(plan: MappingSchema): VerifyMappingContext {
    const { connection, tuning } = this.options
    return {
      db: connection.pool,
      schema: connection.schema,
      store: this.store,
      salesforce: this.meter.for(plan.object),
      lookbackMs: tuning.pull.lookbackMs,
    }
  }

  /** Re-pulls records by id through the normal pull (`verify`'s and `reconcile`'s repair). */
  private async repull(plan: MappingSchema, sfids: readonly string[]): Promise<PullReport> {
    const report = await this.oneOff.track(
      this.runs.run(
        'pull',
        plan,
        [{ object: plan.object, direction: 'pull', reason: 'verify', recordIds: sfids }],
        this.oneOff.control(),
      ),
    )
    // As after any pull that kept unsent changes: a push that ran meanwhile skipped them.
    if (report.keptUnsent > 0)
      this.running?.signal({ object: plan.object, direction: 'push', reason: 'pull' })
    return report
  }

  private signal(change: ChangeSignal): void {
    this.running?.signal(change)
  }

  /**
   * Describes every mapped object again (the running engine's `describeRefreshIntervalMs`
   * timer): a mapping whose plan changed is pulled and pushed at once with the new plan.
   */
  private async refreshDescribes(): Promise<void> {
    const before = this.planner.current()
    const after = await this.planner.refresh()
    for (const [object, plan] of after) {
      const old = before?.get(object)
      if (old && signature(old) === signature(plan)) continue
      this.signal({ object: plan.object, direction: 'pull', reason: 'poll' })
      this.signal({ object: plan.object, direction: 'push', reason: 'poll' })
    }
  }
}
