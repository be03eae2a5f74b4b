import { OptionReader } from '../config/option-reader.js'
import { Connection } from '../connection/connection.js'
import { RetryPolicy } from '../errors/retry-policy.js'
import type { Mapping } from '../mappings/mapping.js'
import {
  type OperationsOptions,
  type ResolvedOperationsOptions,
  resolveOperationsOptions,
} from '../operations/operations-options.js'
import type { PullTuning } from '../pull/salesforce-pull.js'
import type { ChangeSource } from '../sources/change-source.js'
import type { SyncStore } from '../store/sync-store.js'
import type { WriteStrategy } from '../strategies/write-strategy.js'
import type { ApiBudgetOptions } from './api-budget.js'
import type { Logger } from './engine-logger.js'

/** Options of `new SyncEngine(options)`. */
export interface SyncEngineOptions {
  /** The org and database, from `createConnection()`. */
  readonly connection: Connection
  /** What to sync: one mapping per object, from `defineMapping()`. */
  readonly mappings: readonly Mapping[]
  /**
   * Change sources. Default: Change Data Capture streaming and polling at each mapping's interval
   * for Salesforce, LISTEN/NOTIFY and a 2-minute poll for Postgres — sub-second both ways, with
   * polls as the safety net. An object without CDC falls back to polling alone.
   */
  readonly sources?: readonly ChangeSource[]
  /**
   * Which source streams Salesforce changes in the default set (ignored when `sources` is given):
   * `'cometd'` (`SalesforceStreamingSource`, the Streaming API), `'pubsub'`
   * (`SalesforcePubSubSource`, the Pub/Sub API), or a streaming source of your own making, e.g.
   * `new SalesforcePubSubSource({ endpoint, ca })` for a test server. See
   * docs/guides/change-sources.md for why CometD is still the default. @default 'cometd'
   */
  readonly streaming?: 'cometd' | 'pubsub' | ChangeSource
  /** Write strategy of read/write mappings that name none. */
  readonly writeStrategy?: WriteStrategy
  /** Most mapping runs (pulls and pushes) in flight at once. @default 4 */
  readonly concurrency?: number
  /** Decides what is retried and how long to wait; extend it for your own error codes. */
  readonly retryPolicy?: RetryPolicy
  /**
   * Days `_trigger_log_archive` entries are kept; a running engine trims older ones every hour,
   * in batches. `0` keeps them forever. @default 31 (Heroku Connect's retention)
   */
  readonly archiveRetentionDays?: number
  /**
   * How often a running engine reconciles each mapping (record counts and a sample of values; see
   * `engine.reconcile()`). `0` turns it off. @default 21 600 000 (6 hours)
   */
  readonly reconcileIntervalMs?: number
  /**
   * Rows per mapping a reconcile picks at random and compares with Salesforce by value (read back
   * by id, 200 per API call), beside the 100 most recently modified records; drifted records are
   * re-pulled. `0` compares counts only. @default 200
   */
  readonly reconcileSample?: number
  /**
   * How often a running engine describes its mapped objects again to follow changes made in
   * Salesforce's Setup (a field that grows, changes type or is deleted; see the mappings guide,
   * "When Salesforce changes"). One API call per object. The engine also describes an object at
   * once when Salesforce answers `INVALID_FIELD` for its query or Postgres refuses a value as too
   * long. `0` turns the timer off. @default 3 600 000 (1 hour)
   */
  readonly describeRefreshIntervalMs?: number
  /**
   * How long a push's claim on `_trigger_log` entries holds without a renewal. Entries a worker
   * claimed and never settled (it died mid-push) go back to the queue after this; a live worker
   * renews its claims every third of it, however long a round (a Bulk 2.0 job) takes
   * (docs/concepts/delivery-guarantees.md#claims-and-leases). @default 600 000 (10 minutes)
   */
  readonly pushLeaseMs?: number
  /**
   * With several engines on one database, one leads each mapping's pulls. How often an engine
   * that does not lead a mapping checks whether it can take over (its leader stopped or died): the
   * longest a mapping goes without a puller after its leader stopped. @default 5000
   */
  readonly takeoverCheckMs?: number
  /**
   * Pull leadership is a lease row per mapping (`_pgforce_pull_leader`), renewed every quarter of
   * this; it holds through a transaction pooler. After a worker dies (no clean `stop()`), another
   * takes over its pulls within this plus `takeoverCheckMs`. A leader that cannot renew stops
   * pulling once half of this passed, before its lease can expire. @default 15 000
   */
  readonly pullLeaseMs?: number
  /**
   * How long a Salesforce record Postgres refused (`pull:record-failed`) waits before a pull reads
   * it again by id. It is attempted at once when it changes in Salesforce, and at the next pull
   * after `engine.retryPullFailures()`. @default 600 000 (10 minutes)
   */
  readonly pullFailureRetryMs?: number
  /**
   * A pull reads its records through Bulk 2.0 query jobs, instead of REST pages of 2 000, when
   * more than this many wait (a first load, a reload, a long catch-up). On a real org, Bulk costs
   * far fewer API calls (100 000 records: about 25 calls instead of 52) and its jobs run in
   * Salesforce's time, not yours; REST answers sooner for small loads. Loads over 25 000 records
   * are split by Id range into jobs read two at a time (docs/concepts/performance.md). `Infinity`
   * keeps pulls on REST (`reload()` always goes through Bulk 2.0). @default 10 000
   */
  readonly bulkLoadThreshold?: number
  /**
   * Where the engine logs what it does: a pino logger, or anything with pino's
   * `info(bindings, message)` methods (see {@link Logger}). Nothing is logged when omitted; the
   * events carry the same information.
   */
  readonly logger?: Logger
  /**
   * Daily Salesforce API call budgets, shared by every worker on the database (Heroku Connect's
   * `sf_max_daily_api_calls`). No call is made past a budget: pulls wait, pushes keep their
   * entries NEW, and both resume the next UTC day. Past `slowDownAt` polls thin out and pushes
   * batch harder, as they also do once the org as a whole has used `orgSlowDownAt` (90 %) of its
   * daily limit. Unlimited when omitted (calls are still counted for `status()`).
   */
  readonly apiBudget?: ApiBudgetOptions
  /**
   * What `change` events carry (docs/reference/events.md, "change"). With `values: true` each
   * event also holds the new values of its changed columns; by default only their names, to keep
   * payloads small. Events are built only while a listener is attached.
   */
  readonly changeEvents?: { readonly values?: boolean }
  /**
   * Running it as a service: how often the shared pause switch is read, the thresholds of the
   * warnings, and the alert hooks called when a warning starts or ends (docs/guides/monitoring.md).
   */
  readonly operations?: OperationsOptions
  /**
   * Thresholds and sizes users have no reason to change, settable by pgforce's own tests (so a
   * test reaches the Bulk 2.0 path with 500 records, not 50 000). @internal
   */
  readonly tuning?: {
    readonly pull?: Partial<PullTuning>
    readonly push?: Partial<PushTuning>
  }
  /**
   * The store the engine keeps its bookkeeping in; by default one on the connection's pool and
   * schema. pgforce's unit tests hand a fake one here, so they never touch Postgres. @internal
   */
  readonly store?: SyncStore
}

/** How pushes behave. @internal */
export interface PushTuning {
  /** Entries claimed per round (a strategy's own `claimSize` wins). */
  readonly claimSize: number
}

/**
 * The defaults of everything tunable, in one place: a first load over 10 000 records uses Bulk
 * 2.0 (Heroku Connect's threshold), read in result pages of 5 000 records and written 500 per
 * transaction, one transaction at a time, in query jobs of 25 000 records by Id range (at most
 * 8), two running at a time. Pages, batches and writers are sized for memory: V8 grows its heap
 * with what a load keeps alive and how fast it allocates, and larger ones took a 300 000-record
 * load past 200 MB for about 15 % more speed (docs/concepts/performance.md, "Memory"). Each pull
 * starts 2 s before its cursor (SystemModstamp has second precision); `getDeleted` at most every
 * 5 minutes (Salesforce asks no more often); pushes claim 2 000 entries per round. @internal
 */
export const DEFAULT_TUNING: { readonly pull: PullTuning; readonly push: PushTuning } = {
  pull: {
    lookbackMs: 2_000,
    hardDeleteIntervalMs: 300_000,
    bulkThreshold: 10_000,
    bulkBatchSize: 500,
    bulkPageSize: 5_000,
    bulkChunkSize: 25_000,
    bulkParallelism: 2,
    bulkWriters: 1,
    failureRetryMs: 600_000,
  },
  push: { claimSize: 2_000 },
}

/** Options after defaults and validation. @internal */
export interface ResolvedEngineOptions {
  readonly connection: Connection
  readonly mappings: readonly Mapping[]
  readonly sources: readonly ChangeSource[] | undefined
  readonly streaming: 'cometd' | 'pubsub' | ChangeSource
  readonly writeStrategy: WriteStrategy | undefined
  readonly concurrency: number
  readonly retryPolicy: RetryPolicy
  readonly archiveRetentionDays: number
  readonly reconcileIntervalMs: number
  readonly reconcileSample: number
  readonly describeRefreshIntervalMs: number
  readonly pushLeaseMs: number
  readonly takeoverCheckMs: number
  readonly pullLeaseMs: number
  readonly logger: Logger | undefined
  readonly apiBudget: ApiBudgetOptions
  readonly changeEvents: { readonly values: boolean }
  readonly operations: ResolvedOperationsOptions
  readonly tuning: { readonly pull: PullTuning; readonly push: PushTuning }
  readonly store: SyncStore | undefined
}

/**
 * Validates engine options once, listing every problem in one `ConfigError`: a missing
 * connection, no mappings, two mappings of one object or one table, sources that are not
 * `ChangeSource`s, a bad concurrency.
 * @internal
 */
export function resolveEngineOptions(options: SyncEngineOptions): ResolvedEngineOptions {
  const read = new OptionReader('engine options')
  if (!read.object('options', options)) read.finish()
  if (!(options.connection instanceof Connection)) {
    read.problem('connection', 'a Connection from createConnection()', options.connection)
  }
  const mappings = Array.isArray(options.mappings) ? options.mappings : []
  if (mappings.length === 0)
    read.problem('mappings', 'a non-empty list of mappings from defineMapping()', options.mappings)
  const tables = new Map<string, number>()
  const objects = new Map<string, number>()
  mappings.forEach((mapping: Mapping, index) => {
    if (typeof mapping?.object !== 'string' || typeof mapping.table !== 'string') {
      read.problem(`mappings[${index}]`, 'a mapping from defineMapping()', mapping)
      return
    }
    const tableIndex = tables.get(mapping.table)
    if (tableIndex !== undefined) {
      read.problem(
        `mappings[${index}].table`,
        `a table not used by mappings[${tableIndex}]`,
        mapping.table,
      )
    }
    const objectIndex = objects.get(mapping.object.toLowerCase())
    if (objectIndex !== undefined) {
      read.problem(
        `mappings[${index}].object`,
        `an object not mapped by mappings[${objectIndex}]`,
        mapping.object,
      )
    }
    tables.set(mapping.table, index)
    objects.set(mapping.object.toLowerCase(), index)
  })
  const sources = options.sources
  if (sources !== undefined) {
    if (!Array.isArray(sources)) read.problem('sources', 'a list of ChangeSources', sources)
    else
      sources.forEach((source: ChangeSource, index) => {
        if (typeof source?.start !== 'function' || typeof source.stop !== 'function') {
          read.problem(`sources[${index}]`, 'a ChangeSource (start() and stop())', source)
        }
      })
  }
  const streaming = options.streaming ?? 'cometd'
  if (
    streaming !== 'cometd' &&
    streaming !== 'pubsub' &&
    (typeof streaming?.start !== 'function' || typeof streaming.stop !== 'function')
  )
    read.problem('streaming', "'cometd', 'pubsub' or a ChangeSource", streaming)
  if (options.writeStrategy !== undefined && typeof options.writeStrategy?.write !== 'function') {
    read.problem('writeStrategy', 'a WriteStrategy (an object with write())', options.writeStrategy)
  }
  const concurrency = read.integer('concurrency', options.concurrency ?? 4, { min: 1, max: 64 })
  const reconcileIntervalMs = read.integer(
    'reconcileIntervalMs',
    options.reconcileIntervalMs ?? 21_600_000,
    { min: 0 },
  )
  const reconcileSample = read.integer('reconcileSample', options.reconcileSample ?? 200, {
    min: 0,
  })
  const describeRefreshIntervalMs = read.integer(
    'describeRefreshIntervalMs',
    options.describeRefreshIntervalMs ?? 3_600_000,
    { min: 0 },
  )
  const archiveRetentionDays = read.integer(
    'archiveRetentionDays',
    options.archiveRetentionDays ?? 31,
    { min: 0 },
  )
  const pushLeaseMs = read.integer('pushLeaseMs', options.pushLeaseMs ?? 600_000, { min: 100 })
  const takeoverCheckMs = read.integer('takeoverCheckMs', options.takeoverCheckMs ?? 5000, {
    min: 10,
  })
  const pullLeaseMs = read.integer('pullLeaseMs', options.pullLeaseMs ?? 15_000, { min: 400 })
  const pullFailureRetryMs = read.integer(
    'pullFailureRetryMs',
    options.pullFailureRetryMs ?? 600_000,
    { min: 1000 },
  )
  const bulkLoadThreshold =
    options.bulkLoadThreshold === Number.POSITIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : read.integer('bulkLoadThreshold', options.bulkLoadThreshold ?? 10_000, { min: 0 })
  const logger = options.logger
  if (
    logger !== undefined &&
    !(['debug', 'info', 'warn', 'error'] as const).every((l) => typeof logger?.[l] === 'function')
  )
    read.problem('logger', 'a logger with debug, info, warn and error methods (pino)', logger)
  const budget = options.apiBudget ?? {}
  if (budget.dailyCalls !== undefined)
    read.integer('apiBudget.dailyCalls', budget.dailyCalls, { min: 0 })
  for (const [object, calls] of Object.entries(budget.perMapping ?? {})) {
    read.integer(`apiBudget.perMapping.${object}`, calls, { min: 0 })
    if (!mappings.some((m) => m.object?.toLowerCase() === object.toLowerCase()))
      read.problem(`apiBudget.perMapping.${object}`, 'the object of one of the mappings', object)
  }
  if (budget.slowDownAt !== undefined && !(budget.slowDownAt > 0 && budget.slowDownAt <= 1))
    read.problem('apiBudget.slowDownAt', 'a share between 0 and 1', budget.slowDownAt)
  if (
    budget.orgSlowDownAt !== undefined &&
    !(budget.orgSlowDownAt > 0 && budget.orgSlowDownAt <= 1)
  )
    read.problem('apiBudget.orgSlowDownAt', 'a share between 0 and 1', budget.orgSlowDownAt)
  const changeEvents =
    options.changeEvents === undefined
      ? undefined
      : read.object('changeEvents', options.changeEvents)
  const changeValues =
    changeEvents?.values === undefined
      ? false
      : (read.boolean('changeEvents.values', changeEvents.values) ?? false)
  const operations = resolveOperationsOptions(read, options.operations)
  read.finish()
  return {
    connection: options.connection,
    mappings,
    sources,
    streaming,
    writeStrategy: options.writeStrategy,
    concurrency: concurrency as number,
    retryPolicy: options.retryPolicy ?? new RetryPolicy(),
    archiveRetentionDays: archiveRetentionDays as number,
    reconcileIntervalMs: reconcileIntervalMs as number,
    reconcileSample: reconcileSample as number,
    describeRefreshIntervalMs: describeRefreshIntervalMs as number,
    pushLeaseMs: pushLeaseMs as number,
    takeoverCheckMs: takeoverCheckMs as number,
    pullLeaseMs: pullLeaseMs as number,
    logger,
    apiBudget: budget,
    changeEvents: { values: changeValues },
    operations,
    tuning: {
      pull: {
        ...DEFAULT_TUNING.pull,
        failureRetryMs: pullFailureRetryMs as number,
        bulkThreshold: bulkLoadThreshold as number,
        ...options.tuning?.pull,
      },
      push: { ...DEFAULT_TUNING.push, ...options.tuning?.push },
    },
    store: options.store,
  }
}
