import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type EmbeddedPostgresServer,
  startEmbeddedPostgres,
} from '../../../src/cli/demo/embedded-postgres-server.js'
import type { FaultRun } from '../../support/faults/fault-run.js'
import { InstrumentedStrategy } from '../../support/faults/instrumented-strategy.js'
import { useFaultRun } from '../../support/faults/use-fault-run.js'
import { waitFor } from '../../support/wait-for.js'

// The Postgres server restarts under load (findings-2026-11/reliability.md, experiment 2): a
// dedicated embedded-postgres with persistent files, stopped (fast shutdown) for 2 s and started
// again on the same port, under two engines at once: one in this process, one in a child process
// (what an app would see). Both processes stay up, both engines reconnect, and every change
// arrives exactly once on both sides, without waiting for a claim's lease to run out.
let server: EmbeddedPostgresServer
let appPool: pg.Pool
const { open, expectConverged } = useFaultRun(() => ({ url: server.url, pool: appPool }))

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dirPrefix: 'pgforce-faults-pg-', persistent: true })
  appPool = new pg.Pool({ connectionString: server.url, max: 6 })
  // The app's own pool: its idle connections die with the server, which it reports here.
  appPool.on('error', () => {})
}, 120_000)
afterAll(async () => {
  await appPool?.end()
  await server?.stop()
})

const note = (runs: readonly FaultRun[], event: string) => {
  for (const r of runs) r.events.push({ at: r.now, event, detail: '' })
}

describe('PostgreSQL restarts under load', () => {
  it('stopped for 2 s and started again: both engines reconnect and converge', async () => {
    // The engine here stops the server itself, just as a push's outcome is about to be committed
    // (Salesforce has answered): with the default 10-minute lease, what gets those entries out
    // must be pgforce giving them back once the server is back, not the lease running out.
    const strategy = new InstrumentedStrategy()
    const here = await open({ writeStrategy: strategy, pushLeaseMs: 600_000 })
    const child = await open({ inChild: true })
    const runs = [here, child]
    await Promise.all(runs.map((r) => r.start()))
    /** Waits for `check` on every run, failing at once if the child process ends. */
    const eachWaitsFor = async (check: (r: FaultRun) => boolean, what: string) => {
      await waitFor(() => child.child?.alive !== true || runs.every(check), 15_000, what)
      expect(child.child?.ended).toBe('running')
    }
    await eachWaitsFor((r) => r.seen('push:completed').length > 2, 'pushes before the stop')
    let held: { release(): Promise<void> } | undefined
    let back: Promise<void> | undefined
    await new Promise<void>((stopped) => {
      strategy.hooks = {
        aroundCommit: async (_results, _entries, commit) => {
          strategy.hooks = {}
          // The child has a client checked out for sure: a statement waiting on a lock.
          held = await child.holdTriggerLog()
          note(runs, 'test:stopping postgres')
          await server.stop()
          // The commit and its retries fail meanwhile; the server is back 2 s later.
          back = new Promise((wait) => setTimeout(wait, 2_000))
            .then(() => server.restart())
            .then(() => note(runs, 'test:postgres started'))
          stopped()
          await commit()
        },
      }
    })
    await back
    await held?.release() // gone with the server: nothing to roll back
    const startedAt = (r: FaultRun) => r.seen('test:postgres started')[0]?.at ?? 0
    await eachWaitsFor((r) => r.seen('source:connected', startedAt(r)).length > 0, 'LISTEN back')
    await Promise.all(runs.map((r) => r.workload.untilRounds(2)))
    for (const r of runs) {
      const settleMs = await expectConverged(r, 20_000)
      // The outage was seen and survived: runs failed meanwhile, every failure retryable.
      const failures = [...r.seen('push:failed'), ...r.seen('pull:failed')]
      expect(failures.length).toBeGreaterThan(0)
      expect(failures.filter((f) => f.detail.includes('retryInMs=undefined'))).toEqual([])
      console.info(
        `restart (${r === here ? 'in process' : 'child process'}): converged ${settleMs} ms after the workload stopped; app writes retried ${r.workload.appWriteRetries} times`,
      )
    }
    expect(child.child?.ended).toBe('running')
  }, 60_000)
})
