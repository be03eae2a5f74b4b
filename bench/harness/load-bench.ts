/**
 * The load benchmarks' common run: pgforce, the peer script and the machine's limit, each trial in
 * its own process, against one emulator process seeded with `rows` Accounts, interleaved over
 * `rounds` rounds. `prepare(round)` runs before each round (catch-up: loads the tables and changes
 * records in Salesforce, outside the measured window).
 */
import pg from 'pg'
import format from 'pg-format'
import { createConnection } from '../../src/connection/create-connection.js'
import { SyncEngine } from '../../src/engine/sync-engine.js'
import { defineMapping } from '../../src/mappings/define-mapping.js'
import { benchPostgres, table } from '../bench-postgres.js'
import { ACCOUNT_FIELDS } from './account-rows.js'
import { type EmulatorProcess, startEmulatorProcess } from './emulator-child.js'
import { ratios, spread } from './rounds.js'
import { runTrial, type TrialReport } from './trial.js'

/** pgforce (its defaults: Bulk 2.0 above 10 000 records), pgforce on REST pages, peer, limit. */
export const VARIANTS = ['pgforce', 'pgforce-rest', 'peer', 'limit'] as const
export type LoadVariant = (typeof VARIANTS)[number]

export interface LoadTrial extends TrialReport {
  readonly apiCalls: number
  readonly records: number
}

export interface LoadBenchContext {
  readonly emulator: EmulatorProcess
  readonly databaseUrl: string
  /** Runs one trial of `variant` in `mode`, with extra environment; counts its API calls. */
  trial(
    variant: LoadVariant,
    mode: 'load' | 'catchup',
    extra?: Record<string, string>,
  ): Promise<LoadTrial>
}

export async function runLoadBench(options: {
  readonly title: string
  readonly rows: number
  readonly rounds: number
  /** Before each round, outside the measured window. */
  readonly prepare?: (context: LoadBenchContext, round: number) => Promise<void>
  readonly measure: (
    context: LoadBenchContext,
    variant: LoadVariant,
    round: number,
  ) => Promise<LoadTrial>
}): Promise<void> {
  const postgres = await benchPostgres()
  const emulator = await startEmulatorProcess({ rows: options.rows })
  const pool = new pg.Pool({ connectionString: postgres.url, max: 2 })
  const template = 'bench_template'
  try {
    // pgforce's table, installed once: the limit's table is a copy of it without triggers.
    await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', template))
    const connection = await createConnection({
      salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
      postgres: pool,
      schema: template,
    })
    await new SyncEngine({
      connection,
      mappings: [defineMapping({ object: 'Account', fields: [...ACCOUNT_FIELDS] })],
      sources: [],
    }).install()
    await connection.close()
    const context: LoadBenchContext = {
      emulator,
      databaseUrl: postgres.url,
      async trial(variant, mode, extra = {}) {
        const before = await emulator.used()
        const report = await runTrial('load.ts', {
          VARIANT: variant === 'pgforce-rest' ? 'pgforce' : variant,
          ...(variant === 'pgforce-rest' && { BULK: 'rest' }),
          MODE: mode,
          SCHEMA: `bench_${variant.replace('-', '_')}`,
          ROWS: String(options.rows),
          INSTANCE_URL: emulator.instanceUrl,
          ACCESS_TOKEN: emulator.accessToken,
          DATABASE_URL: postgres.url,
          TEMPLATE_SCHEMA: template,
          ...extra,
        })
        return { ...report, apiCalls: (await emulator.used()) - before } as LoadTrial
      },
    }
    const results = new Map<LoadVariant, LoadTrial[]>()
    for (let round = 0; round < options.rounds; round += 1) {
      await options.prepare?.(context, round)
      // Every variant once, in an order rotated from round to round.
      for (let k = 0; k < VARIANTS.length; k += 1) {
        const variant = VARIANTS[(k + round) % VARIANTS.length] as LoadVariant
        const trial = await options.measure(context, variant, round)
        results.set(variant, [...(results.get(variant) ?? []), trial])
        console.error(`round ${round + 1}: ${variant} ${trial.seconds.toFixed(2)} s`)
      }
    }
    print(options.title, postgres.kind, results)
  } finally {
    for (const variant of VARIANTS)
      await pool.query(
        format('DROP SCHEMA IF EXISTS %I CASCADE', `bench_${variant.replace('-', '_')}`),
      )
    await pool.query(format('DROP SCHEMA IF EXISTS %I CASCADE', template))
    await pool.end()
    await emulator.stop()
    await postgres.stop()
  }
}

function print(title: string, kind: string, results: Map<LoadVariant, LoadTrial[]>): void {
  const of = (v: LoadVariant) => results.get(v) ?? []
  const rate = (v: LoadVariant) => of(v).map((t) => t.records / t.seconds)
  console.log(
    `${title} (${kind}; emulator in its own process; median [min–max] over ${of('pgforce').length} rounds)\n`,
  )
  if (process.env.BENCH_LIVE_HEAP)
    console.log(
      `Live heap MB (BENCH_LIVE_HEAP: a collection every 100 ms, so times are not comparable): ${VARIANTS.map((v) => `${v} ${spread(of(v).map((t) => t.liveHeapMb ?? 0))}`).join(', ')}\n`,
    )
  console.log(
    table([
      [
        'variant',
        'records',
        'seconds',
        'records/s',
        'API calls',
        'peak RSS MB',
        'CPU s',
        'machine CPU s',
      ],
      ...VARIANTS.map((v) => [
        v,
        of(v)[0]?.records ?? 0,
        spread(
          of(v).map((t) => t.seconds),
          2,
        ),
        spread(rate(v)),
        v === 'limit' ? '–' : spread(of(v).map((t) => t.apiCalls)),
        spread(of(v).map((t) => t.peakRssMb)),
        spread(
          of(v).map((t) => t.cpuSeconds),
          2,
        ),
        spread(
          of(v).map((t) => t.machineCpuSeconds),
          2,
        ),
      ]),
    ]),
  )
  for (const v of ['pgforce', 'pgforce-rest'] as const) {
    const vsPeer = ratios(rate(v), rate('peer'))
    const vsLimit = ratios(rate(v), rate('limit'))
    console.log(
      `\n${v} ÷ peer (rate):  ${spread(vsPeer, 2)}   per round ${vsPeer.map((r) => r.toFixed(2)).join(', ')}`,
    )
    console.log(
      `${v} ÷ limit (rate): ${spread(vsLimit, 2)}   per round ${vsLimit.map((r) => r.toFixed(2)).join(', ')}`,
    )
  }
}
