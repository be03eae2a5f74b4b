import { expect, it } from 'vitest'
import { useTestDatabase } from '../../support/test-database.js'
import { runWorkerCluster } from '../../support/worker-cluster/run-worker-cluster.js'

// Acceptance (issue 7): two engines in separate processes on one database, changes streaming on
// both sides, the pull leader killed with SIGKILL halfway: nothing lost, nothing twice, and the
// other worker takes over. This is the CI-length run; `npm run bench -- workers` runs a minute.
const db = useTestDatabase()

it('two worker processes: SIGKILL of the pull leader mid-run loses and duplicates nothing', async () => {
  const report = await runWorkerCluster({
    databaseUrl: db().url,
    durationMs: 8_000,
    roundsPerSecond: 10,
    takeoverCheckMs: 250,
    pushLeaseMs: 2_000,
    settleTimeoutMs: 30_000,
  })
  expect(report.problems).toEqual([])
  expect(report.records).toBeGreaterThan(100)
  expect(report.takeoverMs).toBeDefined()
  // The survivor notices within its check interval (plus a pull).
  expect(report.takeoverMs).toBeLessThan(5_000)
}, 90_000)
