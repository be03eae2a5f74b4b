import pg from 'pg'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import type { WorkerConfig } from '../worker-cluster/cluster-mapping.js'
import { WorkerProcess } from '../worker-cluster/worker-process.js'
import { faultAccount } from './fault-mapping.js'

/** The org a crash run talks to: in this process, or an emulator in a process of its own. */
export interface OrgView {
  readonly instanceUrl: string
  readonly accessToken: string
  /** `Name` of every Account. */
  names(): Promise<string[]>
}

/** Options of {@link runCrash}. */
export interface CrashOptions {
  readonly databaseUrl: string
  readonly org: OrgView
  /**
   * `load`: SIGKILL during the first load of the records the org already has (`seededNames`);
   * `push`: SIGKILL while pushing `rows` rows inserted in Postgres before the worker started.
   */
  readonly kind: 'load' | 'push'
  readonly externalId: boolean
  /** `load`: the names of the records the org has. */
  readonly seededNames?: readonly string[]
  /** `push`: rows to insert. @default 2000 */
  readonly rows?: number
  /** `push`: SIGKILL once this many rows have their sfid (committed). @default 400 */
  readonly killAfterCommitted?: number
  /** Wait this long after the trigger before the SIGKILL. @default 0 */
  readonly killDelayMs?: number
  /** Lease of the claims the killed worker leaves PENDING. @default 2000 */
  readonly pushLeaseMs?: number
  /** How long the restarted worker has to converge. @default 60 000 */
  readonly settleTimeoutMs?: number
  /** Schema to use (dropped first and at the end). */
  readonly schema: string
}

/** What a crash run saw. */
export interface CrashReport {
  /** Rows with an sfid (push) or rows loaded (load) when the worker was killed. */
  readonly doneAtKill: number
  /** Records in Salesforce just after the kill (a call in flight may still add some). */
  readonly inSalesforceAtKill: number
  /** Records in Salesforce beyond one per expected name (push: each an orphan of the crash). */
  readonly duplicatesInSalesforce: number
  /** Rows in Postgres beyond one per expected name. */
  readonly duplicatesInPostgres: number
  /** Expected names missing on either side. */
  readonly lost: number
  /** The second worker's engine start (its process was loaded) → both sides agree, in ms. */
  readonly convergeMs: number
  /** Empty when the run converged (duplicates aside, which are counted, not problems). */
  readonly problems: readonly string[]
  /** Whether the restarted worker was still running at the end. */
  readonly survivorRunning: boolean
}

/**
 * A crash case (findings-2026-11/reliability.md, experiment 5): a worker process (`sync-worker.ts`)
 * is killed with SIGKILL in the middle of an initial load or a push of a few thousand inserts,
 * and a second worker is started on the same schema. Counts what Salesforce and Postgres hold
 * once the second worker has finished: duplicates (expected without an external id: at most the
 * records of the one Salesforce call in flight, 200), lost records (none expected).
 */
export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const { schema, org } = options
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 3 })
  pool.on('error', () => {})
  const workers: WorkerProcess[] = []
  try {
    await install(options, pool)
    const expected =
      options.kind === 'load'
        ? [...(options.seededNames ?? [])]
        : Array.from({ length: options.rows ?? 2000 }, (_, i) => `c-${i}`)
    if (options.kind === 'push') {
      await pool.query(
        `INSERT INTO "${schema}".account (name${options.externalId ? ', external_id__c' : ''})
         SELECT n${options.externalId ? ', n' : ''} FROM unnest($1::varchar[]) AS n`,
        [expected],
      )
    }
    const config: WorkerConfig = {
      name: 'a',
      databaseUrl: options.databaseUrl,
      schema,
      instanceUrl: org.instanceUrl,
      accessToken: org.accessToken,
      externalId: options.externalId,
      pushLeaseMs: options.pushLeaseMs ?? 2_000,
      postgresPollMs: 1_000,
      pollIntervalMs: 1_000,
      takeoverCheckMs: 500,
    }
    // Both processes load at once; the second starts its engine only after the kill, so the
    // restart is timed from the engine's start, not Node's.
    const [victim, survivor] = await Promise.all([
      WorkerProcess.prepare(config),
      WorkerProcess.prepare({ ...config, name: 'b' }),
    ])
    workers.push(victim, survivor)
    await victim.go()
    const done = async () =>
      Number(
        (
          await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${schema}".account
             ${options.kind === 'push' ? 'WHERE sfid IS NOT NULL' : ''}`,
          )
        ).rows[0]?.n,
      )
    if (options.kind === 'load') {
      const progress = await victim.waitFor((l) => l.event === 'load:progress', 60_000)
      if (!progress)
        throw new Error(`the load never made progress: ${JSON.stringify(victim.lines)}`)
    } else {
      const target = options.killAfterCommitted ?? 400
      const deadline = Date.now() + 60_000
      while ((await done()) < target) {
        if (Date.now() > deadline) throw new Error(`never reached ${target} rows pushed`)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    if (options.killDelayMs) await new Promise((r) => setTimeout(r, options.killDelayMs))
    victim.kill('SIGKILL')
    const doneAtKill = await done()
    const inSalesforceAtKill = (await org.names()).length
    const started = Date.now()
    await survivor.go()
    let state = await inspect(pool, schema, org, expected)
    while (
      state.problems.length > 0 &&
      Date.now() - started < (options.settleTimeoutMs ?? 60_000)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      state = await inspect(pool, schema, org, expected)
    }
    return {
      doneAtKill,
      inSalesforceAtKill,
      ...state,
      convergeMs: Date.now() - started,
      survivorRunning: survivor.alive,
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
    await pool.end()
  }
}

async function install(options: CrashOptions, pool: pg.Pool): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${options.schema}" CASCADE`)
  const connection = await createConnection({
    salesforce: { instanceUrl: options.org.instanceUrl, accessToken: options.org.accessToken },
    postgres: pool,
    schema: options.schema,
  })
  try {
    const mappings = [faultAccount(options.externalId)]
    await new SyncEngine({ connection, mappings, sources: [] }).install()
  } finally {
    await connection.close()
  }
}

/**
 * Both sides against the expected names: converged when nothing waits in the trigger log, every
 * row has its sfid, each side holds every expected name, and both sides hold the same records.
 */
async function inspect(
  pool: pg.Pool,
  schema: string,
  org: OrgView,
  expected: readonly string[],
): Promise<
  Omit<CrashReport, 'doneAtKill' | 'inSalesforceAtKill' | 'convergeMs' | 'survivorRunning'>
> {
  const problems: string[] = []
  const waiting = await pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "${schema}"._trigger_log GROUP BY state`,
  )
  for (const { state, n } of waiting.rows) problems.push(`trigger-log entries ${state}: ${n}`)
  const rows = (
    await pool.query<{ name: string; sfid: string | null }>(
      `SELECT name, sfid FROM "${schema}".account`,
    )
  ).rows
  const unsynced = rows.filter((r) => r.sfid === null).length
  if (unsynced > 0) problems.push(`rows without sfid: ${unsynced}`)
  const names = await org.names()
  const inSalesforce = new Set(names)
  const inPostgres = new Set(rows.map((r) => r.name))
  const lost = expected.filter((n) => !inSalesforce.has(n) || !inPostgres.has(n)).length
  if (lost > 0) problems.push(`expected records missing on a side: ${lost}`)
  if (names.length !== rows.length)
    problems.push(`Salesforce has ${names.length} records, Postgres ${rows.length} rows`)
  if (new Set(rows.map((r) => r.sfid)).size !== rows.length)
    problems.push('one sfid on several rows')
  return {
    duplicatesInSalesforce: names.length - inSalesforce.size,
    duplicatesInPostgres: rows.length - inPostgres.size,
    lost,
    problems,
  }
}
