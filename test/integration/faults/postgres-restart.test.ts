import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import {
  type EmbeddedPostgresServer,
  startEmbeddedPostgres,
} from '../../../src/cli/demo/embedded-postgres-server.js'
import { FaultRun } from '../../support/faults/fault-run.js'
import { waitFor } from '../../support/wait-for.js'

// The Postgres server restarts under load (findings-2026-11/reliability.md, experiment 2): a
// dedicated embedded-postgres with persistent files, stopped (fast shutdown) for 2 s and started
// again on the same port. The process stays up, the engine reconnects, and every change arrives
// exactly once on both sides.
let server: EmbeddedPostgresServer
let appPool: pg.Pool
let run: FaultRun | undefined

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dirPrefix: 'pgforce-faults-pg-', persistent: true })
  appPool = new pg.Pool({ connectionString: server.url, max: 4 })
  // The app's own pool: its idle connections die with the server, which it reports here.
  appPool.on('error', () => {})
}, 120_000)
afterAll(async () => {
  await appPool?.end()
  await server?.stop()
})
afterEach(async () => {
  if (process.env.PGFORCE_FAULTS_LOG) console.log(run?.describe())
  await run?.close()
  run = undefined
})

/** Stops the server for `downMs` under load, then starts it again. */
async function restartServer(r: FaultRun, downMs: number): Promise<void> {
  r.events.push({ at: r.now, event: 'test:stopping postgres', detail: '' })
  await server.stop()
  r.events.push({ at: r.now, event: 'test:postgres stopped', detail: '' })
  await new Promise((resolve) => setTimeout(resolve, downMs)) // the outage itself
  await server.restart()
  r.events.push({ at: r.now, event: 'test:postgres started', detail: '' })
}

describe('PostgreSQL restarts under load', () => {
  it('stopped for 2 s and started again: the engine reconnects and converges', async () => {
    const r = await FaultRun.open({ databaseUrl: server.url, appPool })
    run = r
    onTestFailed(() => console.log(`engine events:\n${r.describe()}`))
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the stop')
    // A client checked out for sure when the server goes: a claim waiting on a lock.
    const claim = await r.holdAClaim()
    await restartServer(r, 2_000)
    await claim.release() // its connection is gone with the server: nothing to roll back
    const started = r.now
    await waitFor(() => r.seen('source:connected', started).length > 0, 15_000, 'LISTEN back')
    await r.workload.untilRounds(3)
    const { problems, settleMs } = await r.settle(30_000)
    expect(problems).toEqual([])
    // The outage was seen (and survived): runs failed with retryable errors meanwhile.
    const failures = [...r.seen('push:failed'), ...r.seen('pull:failed')]
    expect(failures.length).toBeGreaterThan(0)
    expect(failures.filter((f) => f.detail.includes('retryInMs=undefined'))).toEqual([])
    console.info(
      `restart: back to converged ${settleMs} ms after the workload stopped; app writes retried ${r.workload.appWriteRetries} times`,
    )
  }, 60_000)

  it('with the engine in a child process: the process keeps running and converges', async () => {
    const r = await FaultRun.open({ databaseUrl: server.url, appPool, inChild: true })
    run = r
    onTestFailed(() => console.log(`engine events:\n${r.describe()}`))
    await r.start()
    /** Waits for `check`, failing at once (with how it ended) if the child process ends. */
    const childWaitsFor = async (check: () => boolean, what: string) => {
      await waitFor(() => r.child?.alive !== true || check(), 15_000, what)
      expect(r.child?.ended).toBe('running')
    }
    await childWaitsFor(() => r.seen('push:completed').length > 2, 'pushes before the stop')
    // A client checked out for sure when the server goes: a claim waiting on a lock.
    const claim = await r.holdAClaim()
    await restartServer(r, 2_000)
    await claim.release() // its connection is gone with the server: nothing to roll back
    const started = r.now
    await childWaitsFor(() => r.seen('source:connected', started).length > 0, 'LISTEN back')
    await r.workload.untilRounds(3)
    const { problems } = await r.settle(30_000)
    expect(problems).toEqual([])
    expect(r.child?.ended).toBe('running')
  }, 60_000)
})
