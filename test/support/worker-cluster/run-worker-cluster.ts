import pg from 'pg'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { TwoWayWorkload } from '../faults/two-way-workload.js'
import { clusterAccount } from './cluster-mapping.js'
import { checkConvergence } from './convergence.js'
import { WorkerProcess } from './worker-process.js'

/** Options of {@link runWorkerCluster}. */
export interface WorkerClusterOptions {
  readonly databaseUrl: string
  /** How long changes stream on both sides; the pull leader is killed halfway. */
  readonly durationMs: number
  /** Rounds per second; each round inserts and updates one record on each side (4 changes). */
  readonly roundsPerSecond: number
  /** Passed to the workers (the engine's default when absent). */
  readonly takeoverCheckMs?: number
  readonly pushLeaseMs?: number
  /** Latency the emulator adds to every request, as a real org has. @default 50 */
  readonly latencyMs?: number
  /** How long to wait, after the changes stop, for both sides to agree. @default 60 000 */
  readonly settleTimeoutMs?: number
  readonly onProgress?: (message: string) => void
}

/** What a run saw. `problems` is empty when every change arrived exactly once. */
export interface WorkerClusterReport {
  readonly changes: { readonly postgres: number; readonly salesforce: number }
  readonly records: number
  /** Kill (SIGKILL of the pull leader) → the survivor's `leadership` event, in ms. */
  readonly takeoverMs: number | undefined
  /** Entries claimed (PENDING, by either worker) just after the kill. */
  readonly inFlightAtKill: number | undefined
  /** Changes stopped → both sides agree, in ms. */
  readonly settleMs: number
  readonly problems: readonly string[]
  /** `error` events the surviving worker reported (expected: the killed worker's claims). */
  readonly survivorErrors: readonly string[]
}

let runs = 0

/**
 * The several-workers acceptance run: an emulator in this process, two `sync-worker.ts`
 * processes on one database, changes on both sides (inserts and updates, each record changed on
 * one side only), SIGKILL of the worker that leads the pulls halfway, then a check that every
 * change arrived exactly once: each record once on each side, with its last value.
 */
export async function runWorkerCluster(
  options: WorkerClusterOptions,
): Promise<WorkerClusterReport> {
  const progress = options.onProgress ?? (() => {})
  runs += 1
  const schema = `cluster_${process.pid}_${runs}`
  const emulator = await SalesforceEmulator.start({ orgOptions: { dailyApiLimit: 10_000_000 } })
  emulator.org.faults.setLatency(options.latencyMs ?? 50)
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 })
  // pool.end() resolves before idle connections finish closing; the test database's forced drop
  // may cut them off, which the pool reports as an 'error' event (an uncaught exception without
  // this listener, seen as an unhandled error of the worker-processes test).
  pool.on('error', () => {})
  const workers: WorkerProcess[] = []
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    const connection = await createConnection({
      salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
      postgres: pool,
      schema,
    })
    await new SyncEngine({ connection, mappings: [clusterAccount], sources: [] }).install()
    await connection.close()
    const config = {
      databaseUrl: options.databaseUrl,
      schema,
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
      ...(options.takeoverCheckMs !== undefined && { takeoverCheckMs: options.takeoverCheckMs }),
      ...(options.pushLeaseMs !== undefined && { pushLeaseMs: options.pushLeaseMs }),
    }
    for (const name of ['a', 'b']) workers.push(await WorkerProcess.start({ ...config, name }))
    progress(`two workers running on schema ${schema}`)

    const workload = new TwoWayWorkload({
      pool,
      schema,
      org: emulator.org,
      roundsPerSecond: options.roundsPerSecond,
    })
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const started = Date.now()
    workload.start()
    await sleep(options.durationMs / 2) // the kill comes halfway through the changes
    const victim = workers.find((w) => w.leads) ?? workers[0]
    const survivor = workers.find((w) => w !== victim)
    victim?.kill('SIGKILL')
    const killedAt = Date.now()
    const inFlightAtKill = (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema}"._trigger_log WHERE state = 'PENDING'`,
      )
    ).rows[0]?.n
    progress(`SIGKILL worker ${victim?.name}, the pull leader, after ${workload.rounds} rounds`)
    await sleep(Math.max(0, started + options.durationMs - Date.now()))
    await workload.stop()
    const stoppedAt = Date.now()
    const rounds = workload.rounds
    progress(`changes stopped after ${rounds} rounds; waiting for both sides to agree`)

    const expected = workload.expected
    let problems = await checkConvergence(expected)
    const deadline = stoppedAt + (options.settleTimeoutMs ?? 60_000)
    while (problems.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      problems = await checkConvergence(expected)
    }
    const settleMs = Date.now() - stoppedAt
    const takeover = await survivor?.waitFor(
      (l) => l.event === 'leadership' && l.leader === true,
      0,
      killedAt,
    )
    if (!takeover) problems = [...problems, 'no worker took over the pulls']
    return {
      changes: { postgres: rounds * 2, salesforce: rounds * 2 },
      records: rounds * 2,
      takeoverMs: takeover ? takeover.at - killedAt : undefined,
      inFlightAtKill,
      settleMs,
      problems,
      survivorErrors: (survivor?.lines ?? [])
        .filter((l) => l.event === 'error' || l.event === 'record:failed')
        .map((l) => l.message ?? ''),
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
    await pool.end()
    await emulator.stop()
  }
}
