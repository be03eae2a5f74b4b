/**
 * Several workers, for a minute: two engines in separate processes on one database against the
 * emulator (CDC streaming, LISTEN/NOTIFY, both polls; the engine's default takeover check),
 * inserts and updates on both sides, and the pull leader killed with SIGKILL halfway. Reports
 * the changes made, the takeover time, how long both sides took to agree once the changes
 * stopped, and any change lost or duplicated (none expected).
 *
 *   npm run bench -- workers            (BENCH_SECONDS=60, BENCH_ROUNDS=10 per second)
 */
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { runWorkerCluster } from '../test/support/worker-cluster/run-worker-cluster.js'
import { benchPostgres, table } from './bench-postgres.js'

clearProxyEnv()
const seconds = Number(process.env.BENCH_SECONDS ?? 60)
const rounds = Number(process.env.BENCH_ROUNDS ?? 10)
const postgres = await benchPostgres()
try {
  const report = await runWorkerCluster({
    databaseUrl: postgres.url,
    durationMs: seconds * 1000,
    roundsPerSecond: rounds,
    // Claims of the killed worker come back after the lease; the default is 10 minutes.
    pushLeaseMs: 10_000,
    onProgress: (message) => console.log(`  ${message}`),
  })
  console.log(
    table([
      ['', 'value'],
      ['PostgreSQL', postgres.kind],
      ['changes made in Postgres', report.changes.postgres],
      ['changes made in Salesforce', report.changes.salesforce],
      ['records', report.records],
      ['takeover after SIGKILL (ms)', report.takeoverMs ?? 'none'],
      ['entries in flight at the kill (either worker)', report.inFlightAtKill ?? 'n/a'],
      ['both sides agree after (ms)', report.settleMs],
      ['lost or duplicated', report.problems.length === 0 ? 'none' : report.problems.join(' | ')],
      ['survivor error events', report.survivorErrors.length],
    ]),
  )
  for (const error of new Set(report.survivorErrors)) console.log(`  survivor reported: ${error}`)
  if (report.problems.length > 0) process.exitCode = 1
} finally {
  await postgres.stop()
}
