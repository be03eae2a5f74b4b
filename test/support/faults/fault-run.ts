import type pg from 'pg'
import type { Connection } from '../../../src/connection/connection.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import type { RetryPolicy } from '../../../src/errors/retry-policy.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { PostgresPollingSource } from '../../../src/sources/postgres-polling-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'
import type { WriteStrategy } from '../../../src/strategies/write-strategy.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import type { WorkerConfig } from '../worker-cluster/cluster-mapping.js'
import { checkConvergence } from '../worker-cluster/convergence.js'
import { WorkerProcess } from '../worker-cluster/worker-process.js'
import { faultAccount, withApplicationName } from './fault-mapping.js'
import {
  type Backend,
  blockedBackends,
  holdInTransaction,
  terminateBackends,
} from './postgres-backends.js'
import { type RecordedEvent, recordEngineEvents, workerLineEvent } from './recorded-events.js'
import { TwoWayWorkload } from './two-way-workload.js'

/** Options of {@link FaultRun.open}. */
export interface FaultRunOptions {
  /** The database pgforce connects to (its own pool, named `pgforce-<schema>`). */
  readonly databaseUrl: string
  /** The app's pool on that database: the workload's writes, the checks and the kills. */
  readonly appPool: pg.Pool
  /** Map `External_Id__c` as external id. @default true */
  readonly externalId?: boolean
  readonly retryPolicy?: RetryPolicy
  readonly writeStrategy?: WriteStrategy
  /** Emulator latency per request. @default 20 */
  readonly latencyMs?: number
  /** @default 3000 */
  readonly pushLeaseMs?: number
  /** Workload rounds per second. @default 5 */
  readonly roundsPerSecond?: number
  /**
   * Run the engine in a child process (`sync-worker.ts`, token auth, default retry policy and
   * strategy), as a user's app would, instead of in the test's process. @default false
   */
  readonly inChild?: boolean
}

let runs = 0

/**
 * A fault-suite run: a Salesforce emulator (real jsforce over HTTP, OAuth password flow so an
 * expired session can be renewed, 20 ms latency), a schema with the `Account` mapping installed,
 * and a `SyncEngine` with the default sources (CDC streaming, Salesforce polling every second,
 * LISTEN/NOTIFY, Postgres polling every second) on its own pool, plus the two-way workload.
 * Every engine event is recorded, to explain a failure and to assert what a user would see.
 */
export class FaultRun {
  readonly emulator: SalesforceEmulator
  readonly connection: Connection
  readonly engine: SyncEngine
  readonly workload: TwoWayWorkload
  readonly schema: string
  readonly events: RecordedEvent[] = []
  /** The child process running the engine, with `inChild` (once started). */
  child: WorkerProcess | undefined
  private readonly options: FaultRunOptions
  private readonly appPool: pg.Pool
  private readonly opened = performance.now()
  private last = 0

  private constructor(parts: {
    emulator: SalesforceEmulator
    connection: Connection
    engine: SyncEngine
    workload: TwoWayWorkload
    options: FaultRunOptions
  }) {
    this.emulator = parts.emulator
    this.connection = parts.connection
    this.engine = parts.engine
    this.workload = parts.workload
    this.schema = parts.connection.schema
    this.options = parts.options
    this.appPool = parts.options.appPool
    recordEngineEvents(this.engine, (event) => this.events.push({ at: this.now, ...event }))
  }

  /** Starts the emulator, connects, installs the mapping; nothing runs yet. */
  static async open(options: FaultRunOptions): Promise<FaultRun> {
    runs += 1
    const schema = `faults_${process.pid}_${runs}`
    const emulator = await SalesforceEmulator.start({ orgOptions: { dailyApiLimit: 10_000_000 } })
    emulator.org.faults.setLatency(options.latencyMs ?? 20)
    const { username, password, clientId, clientSecret } = emulator.credentials
    const connection = await createConnection({
      salesforce: { loginUrl: emulator.loginUrl, username, password, clientId, clientSecret },
      postgres: {
        // In child mode this connection only installs: its name keeps it out of the kills.
        connectionString: withApplicationName(
          options.databaseUrl,
          options.inChild ? 'installer' : `pgforce-${schema}`,
        ),
      },
      schema,
    })
    const mapping = faultAccount(options.externalId ?? true)
    const engine = new SyncEngine({
      connection,
      mappings: [mapping],
      sources: [
        new SalesforceStreamingSource(),
        new SalesforcePollingSource(),
        new PostgresNotifySource(),
        new PostgresPollingSource({ intervalMs: 1_000 }),
      ],
      pushLeaseMs: options.pushLeaseMs ?? 3_000,
      takeoverCheckMs: 500,
      ...(options.retryPolicy && { retryPolicy: options.retryPolicy }),
      ...(options.writeStrategy && { writeStrategy: options.writeStrategy }),
    })
    await engine.install()
    const workload = new TwoWayWorkload({
      pool: options.appPool,
      schema,
      org: emulator.org,
      roundsPerSecond: options.roundsPerSecond ?? 5,
      externalId: options.externalId ?? true,
    })
    return new FaultRun({ emulator, connection, engine, workload, options })
  }

  /** `application_name` of pgforce's connections: `pgforce-<schema>`, `pgforce leader <schema>`. */
  private get applicationNames(): string {
    return `pgforce%${this.schema}`
  }

  /**
   * Milliseconds since the run opened (fractional), later at each read: a moment taken once
   * `waitFor` saw an event is after that event, so `seen(event, at)` leaves it out (with whole
   * milliseconds both often fell on the same one).
   */
  get now(): number {
    this.last = Math.max(performance.now() - this.opened, this.last + 0.001)
    return this.last
  }

  /** Starts the engine (here or in a child process), then the workload. */
  async start(): Promise<void> {
    if (this.options.inChild) await this.startChild()
    else await this.engine.start()
    this.workload.start()
  }

  /**
   * Terminates pgforce's backends of this run that match `where` (SQL over `pg_stat_activity`;
   * `true` for all of them: pool, LISTEN and leadership connections).
   */
  async terminate(where = 'true'): Promise<Backend[]> {
    const killed = await terminateBackends(this.appPool, this.applicationNames, where)
    this.events.push({
      at: this.now,
      event: 'test:terminated',
      detail: killed.map((b) => `${b.pid} ${b.applicationName} ${b.state} ${b.query}`).join(' | '),
    })
    return killed
  }

  /**
   * Runs `sql` (`$schema` is the run's schema) in a transaction left open until `release()` (see
   * `holdInTransaction`): pgforce's next statement that needs what it locks waits meanwhile.
   */
  hold(sql: string, values?: unknown[]): Promise<{ release(): Promise<void> }> {
    return holdInTransaction(this.appPool, [
      { text: sql.replaceAll('$schema', `"${this.schema}"`), ...(values && { values }) },
    ])
  }

  /** Waits until one of pgforce's backends waits on a lock in a statement LIKE `query`. */
  async waitBlocked(query: string, timeoutMs = 10_000): Promise<Backend> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const [blocked] = await blockedBackends(this.appPool, this.applicationNames, query)
      if (blocked) return blocked
      if (Date.now() > deadline) throw new Error(`no pgforce statement like ${query} waited`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  /**
   * Waits until one of pgforce's backends waits on a lock in a statement LIKE `query`, then
   * terminates it. Returns the backend.
   */
  async terminateWhenBlocked(query: string, timeoutMs = 10_000): Promise<Backend> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const blocked = await this.waitBlocked(query, Math.max(0, deadline - Date.now()))
      const [killed] = await this.terminate(`pid = ${blocked.pid}`)
      if (killed) return killed
    }
  }

  /**
   * Locks `_trigger_log` so that pgforce's next statement on it (a push's claim or commit, as the
   * app's own writes) waits inside its transaction, on a client pgforce has checked out; resolves
   * once one does, with that backend. `release()` lets everything go on.
   */
  async holdTriggerLog(
    query = '%',
  ): Promise<{ readonly blocked: Backend; release(): Promise<void> }> {
    const lock = await this.hold('LOCK TABLE $schema._trigger_log IN EXCLUSIVE MODE')
    try {
      return { blocked: await this.waitBlocked(query), release: () => lock.release() }
    } catch (error) {
      await lock.release()
      throw error
    }
  }

  /** Events named `event` (optionally since `since`, ms of the run). */
  seen(event: string, since = 0): RecordedEvent[] {
    return this.events.filter((e) => e.event === event && e.at >= since)
  }

  /**
   * Stops the workload and waits for both sides to agree. Returns what is still wrong after
   * `timeoutMs` (nothing when converged) and how long it took.
   */
  async settle(timeoutMs = 20_000): Promise<{ problems: string[]; settleMs: number }> {
    await this.workload.stop()
    const stopped = Date.now()
    let problems = await checkConvergence(this.workload.expected)
    while (problems.length > 0 && Date.now() - stopped < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      problems = await checkConvergence(this.workload.expected)
    }
    return { problems, settleMs: Date.now() - stopped }
  }

  /** The recorded events, one a line, for a failing test's output. */
  describe(): string {
    return this.events
      .map((e) => `${e.at.toFixed(1).padStart(8)} ${e.event} ${e.detail}`)
      .join('\n')
  }

  /**
   * Stops everything and drops the schema. Each step has 20 s: one that hangs (a connection pgforce
   * never gave back keeps `connection.close()` waiting) fails naming the step and what the
   * database still sees of pgforce, instead of a bare hook timeout.
   */
  async close(): Promise<void> {
    const step = async (name: string, work: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(async () => {
          const { rows } = await this.appPool.query(
            `SELECT application_name, state, left(query, 60) AS query FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE $1`,
            [this.applicationNames],
          )
          reject(
            new Error(`closing ${this.schema}: ${name} hung for 20 s; ${JSON.stringify(rows)}`),
          )
        }, 20_000)
      })
      try {
        await Promise.race([work(), hung])
      } finally {
        clearTimeout(timer)
      }
    }
    await step('workload.stop()', () => this.workload.stop().catch(() => {}))
    await step('child.stop()', async () => this.child?.stop())
    await step('engine.stop()', () => this.engine.stop({ timeoutMs: 5_000 }))
    await step('connection.close()', () => this.connection.close())
    await step('emulator.stop()', () => this.emulator.stop())
    await this.appPool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => {})
  }

  private async startChild(): Promise<void> {
    const { options, emulator } = this
    const config: WorkerConfig = {
      name: 'child',
      databaseUrl: options.databaseUrl,
      schema: this.schema,
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
      pushLeaseMs: options.pushLeaseMs ?? 3_000,
      takeoverCheckMs: 500,
      externalId: options.externalId ?? true,
      pollIntervalMs: 1_000,
      postgresPollMs: 1_000,
    }
    this.child = await WorkerProcess.start(config, 30_000, (line) =>
      this.events.push({ at: this.now, ...workerLineEvent(line) }),
    )
  }
}
