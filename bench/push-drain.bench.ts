/**
 * Whether draining the push queue slows as the queue grows: pgforce (default ordered strategy,
 * external id) pushing a backlog of `BENCH_SMALL` (10 000) and of `BENCH_LARGE` (200 000) app
 * inserts, each trial in its own process against a fresh emulator process, interleaved over
 * `BENCH_ROUNDS` (3) rounds. Prints entries/s per size and the per-round ratio large ÷ small.
 *
 *   npm run bench -- push-drain
 */
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'
import { startEmulatorProcess } from './harness/emulator-child.js'
import { ratios, spread } from './harness/rounds.js'
import { runTrial } from './harness/trial.js'

clearProxyEnv()
const sizes = [
  Number(process.env.BENCH_SMALL ?? 10_000),
  Number(process.env.BENCH_LARGE ?? 200_000),
]
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const postgres = await benchPostgres()
const rates = new Map<number, number[]>(sizes.map((n) => [n, []]))
const rss = new Map<number, number[]>(sizes.map((n) => [n, []]))
try {
  for (let round = 0; round < rounds; round += 1) {
    for (let k = 0; k < sizes.length; k += 1) {
      const size = sizes[(k + round) % sizes.length] as number
      const emulator = await startEmulatorProcess()
      try {
        const report = await runTrial('push.ts', {
          VARIANT: 'pgforce',
          SCHEMA: 'bench_push_drain',
          COUNT: String(size),
          INSTANCE_URL: emulator.instanceUrl,
          ACCESS_TOKEN: emulator.accessToken,
          DATABASE_URL: postgres.url,
        })
        const seconds = (report.pushSeconds as number | undefined) ?? report.seconds
        rates.get(size)?.push(size / seconds)
        rss.get(size)?.push(report.peakRssMb)
        console.error(`round ${round + 1}: ${size} entries in ${seconds.toFixed(1)} s`)
      } finally {
        await emulator.stop()
      }
    }
  }
  const [small, large] = sizes as [number, number]
  console.log(
    `Push drain by queue length (${postgres.kind}; ordered strategy; median [min–max] over ${rounds} rounds)\n`,
  )
  console.log(
    table([
      ['queued entries', 'entries/s', 'peak RSS MB'],
      ...sizes.map((n) => [n, spread(rates.get(n) ?? []), spread(rss.get(n) ?? [])]),
    ]),
  )
  const ratio = ratios(rates.get(large) ?? [], rates.get(small) ?? [])
  console.log(
    `\nrate at ${large} ÷ rate at ${small}: ${spread(ratio, 2)}   per round ${ratio.map((r) => r.toFixed(2)).join(', ')}`,
  )
} finally {
  await postgres.stop()
}
