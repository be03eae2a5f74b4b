/**
 * Crash cases, repeated: a worker process killed with SIGKILL during an initial load of
 * `BENCH_ROWS` records (20 000) or during a push of `BENCH_INSERTS` inserts (2 000), then a
 * second worker started on the same schema; with and without an external id. Each trial has its
 * own emulator process (bench/emulator-process.ts; 20 ms latency for loads, 100 ms for pushes)
 * and kills at a random moment: loads 0–300 ms after the first `load:progress`, pushes after 1–8
 * sObject Collections calls committed and 0–100 ms into the next one. Prints per case the
 * duplicates per crash (records beyond one per row, in Salesforce and in Postgres), the records
 * lost, and the time the second worker took to converge.
 *
 *   npm run bench -- faults            (BENCH_TRIALS=5)
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type CrashOptions, type CrashReport, runCrash } from '../test/support/faults/crash-run.js'
import { clearProxyEnv } from '../test/support/proxy-env.js'
import { benchPostgres, table } from './bench-postgres.js'

clearProxyEnv()
const TRIALS = Number(process.env.BENCH_TRIALS ?? 5)
const LOAD_ROWS = Number(process.env.BENCH_ROWS ?? 20_000)
const INSERTS = Number(process.env.BENCH_INSERTS ?? 2_000)

/** An emulator in its own process, seeded with `rows` Accounts named `Account <i>`. */
async function emulatorProcess(rows: number, latencyMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./emulator-process.ts', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_ROWS: String(rows), BENCH_LATENCY_MS: String(latencyMs) },
    },
  )
  const [line] = (await once(
    createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }),
    'line',
  )) as [string]
  const { instanceUrl, accessToken } = JSON.parse(line) as {
    instanceUrl: string
    accessToken: string
  }
  return {
    instanceUrl,
    accessToken,
    /** Every Account's Name, through the REST API (query and queryMore). */
    async names(): Promise<string[]> {
      const names: string[] = []
      let next: string | undefined = '/services/data/v60.0/query?q=SELECT+Name+FROM+Account'
      while (next) {
        const response = await fetch(`${instanceUrl}${next}`, {
          headers: { Authorization: `Bearer ${accessToken}` },
        })
        if (!response.ok) throw new Error(`query failed: ${response.status}`)
        const page = (await response.json()) as {
          records: { Name: string }[]
          nextRecordsUrl?: string
        }
        for (const record of page.records) names.push(record.Name)
        next = page.nextRecordsUrl
      }
      return names
    },
    async stop() {
      child.stdin?.end()
      await once(child, 'exit')
    },
  }
}

interface Case {
  readonly name: string
  readonly kind: CrashOptions['kind']
  readonly externalId: boolean
}
const CASES: Case[] = [
  { name: 'initial load, external id', kind: 'load', externalId: true },
  { name: 'initial load, no external id', kind: 'load', externalId: false },
  { name: `push of ${INSERTS} inserts, external id`, kind: 'push', externalId: true },
  { name: `push of ${INSERTS} inserts, no external id`, kind: 'push', externalId: false },
]

const postgres = await benchPostgres()
const results = new Map<string, CrashReport[]>()
let trial = 0
try {
  for (const crash of CASES) {
    for (let i = 0; i < TRIALS; i += 1) {
      trial += 1
      const load = crash.kind === 'load'
      const org = await emulatorProcess(load ? LOAD_ROWS : 0, load ? 20 : 100)
      try {
        const calls = 1 + Math.floor(Math.random() * 8)
        const report = await runCrash({
          databaseUrl: postgres.url,
          org,
          kind: crash.kind,
          externalId: crash.externalId,
          schema: `bench_faults_${trial}`,
          seededNames: Array.from({ length: LOAD_ROWS }, (_, k) => `Account ${k}`),
          rows: INSERTS,
          killAfterCommitted: Math.min(INSERTS - 200, calls * 200),
          killDelayMs: Math.floor(Math.random() * (load ? 300 : 100)),
          settleTimeoutMs: 120_000,
        })
        results.set(crash.name, [...(results.get(crash.name) ?? []), report])
        console.log(
          `  ${crash.name} #${i + 1}: killed at ${report.doneAtKill} done (${report.inSalesforceAtKill} in Salesforce); duplicates ${report.duplicatesInSalesforce} in Salesforce, ${report.duplicatesInPostgres} in Postgres; lost ${report.lost}; converged in ${report.convergeMs} ms${report.problems.length > 0 ? `; NOT converged: ${report.problems.join(' | ')}` : ''}`,
        )
      } finally {
        await org.stop()
      }
    }
  }
} finally {
  await postgres.stop()
}

const spread = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0
  return `${median} [${sorted[0] ?? 0}–${sorted.at(-1) ?? 0}]`
}
console.log(
  table([
    [
      'case',
      'trials',
      'duplicates/crash SF',
      'duplicates/crash PG',
      'lost',
      'converge ms',
      'not converged',
    ],
    ...CASES.map((crash) => {
      const reports = results.get(crash.name) ?? []
      return [
        crash.name,
        reports.length,
        spread(reports.map((r) => r.duplicatesInSalesforce)),
        spread(reports.map((r) => r.duplicatesInPostgres)),
        reports.reduce((sum, r) => sum + r.lost, 0),
        spread(reports.map((r) => r.convergeMs)),
        reports.filter((r) => r.problems.length > 0).length,
      ]
    }),
  ]),
)
const failed = [...results.values()].flat().some((r) => r.problems.length > 0 || r.lost > 0)
if (failed) process.exitCode = 1
