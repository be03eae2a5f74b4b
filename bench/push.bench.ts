/**
 * Pushing `BENCH_INSERTS` (10 000) rows the app inserted: pgforce's default (ordered) strategy with
 * an external id and without one, the peer script (bench/peer/), and the machine's limit (bare
 * sObject Collections creates of the same records, no database). Each trial in its own process
 * against a fresh emulator process, interleaved over `BENCH_ROUNDS` (3) rounds.
 *
 *   npm run bench -- push
 *
 * `BENCH_LATENCY_MS` (0) adds that latency to every emulator call: at 0 the machine's CPU bounds
 * every variant; with latency, what overlaps calls with the database work counts.
 */
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'
import { startEmulatorProcess } from './harness/emulator-child.js'
import { ratios, spread } from './harness/rounds.js'
import { runTrial, type TrialReport } from './harness/trial.js'

clearProxyEnv()
const count = Number(process.env.BENCH_INSERTS ?? 10_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
/** Latency the emulator adds to every call: 0 measures the machine, a real org answers in 100s of ms. */
const latency = Number(process.env.BENCH_LATENCY_MS ?? 0)
const variants = ['pgforce', 'pgforce-noext', 'peer', 'limit'] as const
type Variant = (typeof variants)[number]
type Trial = TrialReport & {
  records: number
  apiCalls: number
  /** pgforce: the push's own time and calls (syncOnce() also pulls an empty org first). */
  pushSeconds?: number
  pushApiCalls?: number
  /** CPU of the emulator's process over the whole trial (set-up included), s. */
  emulatorCpuSeconds: number
}

const postgres = await benchPostgres()
const results = new Map<Variant, Trial[]>()
try {
  for (let round = 0; round < rounds; round += 1) {
    for (let k = 0; k < variants.length; k += 1) {
      const variant = variants[(k + round) % variants.length] as Variant
      const emulator = await startEmulatorProcess({ latencyMs: latency })
      try {
        const before = await emulator.used()
        const emulatorCpuBefore = await emulator.cpuSeconds()
        const report = await runTrial('push.ts', {
          VARIANT: variant,
          SCHEMA: `bench_push_${variant.replace('-', '_')}`,
          COUNT: String(count),
          INSTANCE_URL: emulator.instanceUrl,
          ACCESS_TOKEN: emulator.accessToken,
          DATABASE_URL: postgres.url,
        })
        const trial = {
          ...report,
          apiCalls: (await emulator.used()) - before,
          emulatorCpuSeconds: (await emulator.cpuSeconds()) - emulatorCpuBefore,
        } as Trial
        results.set(variant, [...(results.get(variant) ?? []), trial])
        console.error(`round ${round + 1}: ${variant} ${trial.seconds.toFixed(2)} s`)
      } finally {
        await emulator.stop()
      }
    }
  }
  const of = (v: Variant) => results.get(v) ?? []
  const seconds = (v: Variant) => of(v).map((t) => t.pushSeconds ?? t.seconds)
  const calls = (v: Variant) => of(v).map((t) => t.pushApiCalls ?? t.apiCalls)
  console.log(
    `Push of ${count} app inserts (${postgres.kind}; emulator in its own process, ${latency} ms latency per call; median [min–max] over ${rounds} rounds)\n`,
  )
  console.log(
    table([
      [
        'variant',
        'records',
        'push s',
        'records/s',
        'push API calls',
        'all s',
        'all API calls',
        'peak RSS MB',
        'CPU s',
        'machine CPU s',
        'emulator CPU s',
      ],
      ...variants.map((v) => [
        v,
        of(v)[0]?.records ?? 0,
        spread(seconds(v), 2),
        spread(of(v).map((t) => t.records / (t.pushSeconds ?? t.seconds))),
        spread(calls(v)),
        spread(
          of(v).map((t) => t.seconds),
          2,
        ),
        spread(of(v).map((t) => t.apiCalls)),
        spread(of(v).map((t) => t.peakRssMb)),
        spread(
          of(v).map((t) => t.cpuSeconds),
          2,
        ),
        spread(
          of(v).map((t) => t.machineCpuSeconds),
          2,
        ),
        spread(
          of(v).map((t) => t.emulatorCpuSeconds),
          2,
        ),
      ]),
    ]),
  )
  for (const v of ['pgforce', 'pgforce-noext'] as const) {
    const vsPeer = ratios(seconds(v), seconds('peer'))
    const vsLimit = ratios(seconds('limit'), seconds(v))
    console.log(
      `\n${v} ÷ peer (time):  ${spread(vsPeer, 2)}   per round ${vsPeer.map((r) => r.toFixed(2)).join(', ')}`,
    )
    console.log(
      `${v} rate ÷ bare API rate: ${spread(vsLimit, 2)}   per round ${vsLimit.map((r) => r.toFixed(2)).join(', ')}`,
    )
  }
} finally {
  await postgres.stop()
}
