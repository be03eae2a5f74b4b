// The library through its public entry points: the built CLI imports dist/index.js and
// dist/testing.js, the same modules an app's config gets (see tsup.config.ts).
import { createConnection, defineMapping, SyncEngine } from '../../index.js'
import { SalesforceEmulator } from '../../testing.js'
import type { CliOutput } from '../admin-commands.js'
import { ProgressBar } from '../progress-bar.js'
import { demoPostgres } from './demo-postgres.js'
import { latencyStats } from './latency-stats.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Changes made on each side. @default 10 */
  readonly changes: number
  /** Accounts (and as many Contacts) seeded in the emulator. @default 300 */
  readonly records: number
  /** Use this database instead of starting an embedded one. */
  readonly databaseUrl: string | undefined
  /** Resolves when the user asks to stop (Ctrl-C). */
  readonly interrupted: Promise<void>
}

const SCHEMA = 'pgforce_demo'
const INDUSTRIES = ['Energy', 'Banking', 'Retail', 'Media', 'Technology']

/**
 * `pgforce demo`: two-way sync with no setup. Starts PostgreSQL (or uses DATABASE_URL) and the
 * Salesforce emulator seeded with Accounts and Contacts, installs and starts an engine with
 * streaming and LISTEN/NOTIFY, makes changes on both sides timing each arrival, shows a rejected
 * write and its retry, and prints a summary. Returns the process exit code.
 */
export async function runDemo(io: CliOutput, options: DemoOptions): Promise<number> {
  const say = (line: string) => io.out.write(`${line}\n`)
  const started = Date.now()
  let stopping = false
  void options.interrupted.then(() => {
    stopping = true
  })
  const postgres = await demoPostgres(options.databaseUrl)
  const emulator = await SalesforceEmulator.start()
  say(`PostgreSQL: ${postgres.description}`)
  say(`Salesforce: emulator at ${emulator.instanceUrl} (real jsforce over HTTP)`)
  const accountIds = emulator.org.insert(
    'Account',
    Array.from({ length: options.records }, (_, i) => ({
      Name: `Account ${i + 1}`,
      Industry: INDUSTRIES[i % INDUSTRIES.length],
      External_Id__c: `ACC-${i + 1}`,
    })),
  )
  emulator.org.insert(
    'Contact',
    accountIds.map((AccountId, i) => ({ LastName: `Contact ${i + 1}`, AccountId })),
  )
  const connection = await createConnection({
    salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    postgres: { connectionString: postgres.url },
    schema: SCHEMA,
  })
  const pool = connection.pool
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  const account = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry'],
    externalId: 'External_Id__c',
  })
  const contact = defineMapping({
    object: 'Contact',
    access: 'read_write',
    fields: ['LastName', 'AccountId', 'Account.External_Id__c'],
  })
  // The default sources: CDC streaming and LISTEN/NOTIFY, with both polls as the safety net.
  const engine = new SyncEngine({ connection, mappings: [account, contact] })
  const failures: string[] = []
  engine.on('record:failed', (e) => failures.push(`${e.error.statusCode}: ${e.error.message}`))
  engine.on('error', (e) => say(`  ! ${e.context}: ${e.error.message}`))
  const bar = new ProgressBar(io.err, 'initial load')
  const summary = { pulled: 0, sfToPg: [] as number[], pgToSf: [] as number[] }
  const rows = async (sql: string, values: unknown[] = []) => (await pool.query(sql, values)).rows
  const until = async (check: () => Promise<boolean> | boolean, what: string, ms = 15_000) => {
    const deadline = Date.now() + ms
    while (!(await check())) {
      if (stopping) throw new Error('interrupted')
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  try {
    await engine.install()
    await engine.start()
    const total = options.records * 2
    await until(async () => {
      const [row] = await rows(
        `SELECT (SELECT count(*) FROM ${SCHEMA}.account) + (SELECT count(*) FROM ${SCHEMA}.contact) AS n`,
      )
      bar.update(Number(row?.n), total)
      return Number(row?.n) === total
    }, 'the initial load')
    summary.pulled = total
    say(`Loaded ${options.records} Accounts and ${options.records} Contacts into ${SCHEMA}.*`)

    say('\nSalesforce → Postgres (Change Data Capture):')
    for (let i = 0; i < options.changes && !stopping; i += 1) {
      const id = accountIds[i % accountIds.length] as string
      const industry = `${INDUSTRIES[(i + 1) % INDUSTRIES.length]} ${i}`
      const at = performance.now()
      emulator.org.modify('Account', id, { Industry: industry })
      await until(
        async () =>
          (
            await rows(`SELECT 1 FROM ${SCHEMA}.account WHERE sfid = $1 AND industry = $2`, [
              id,
              industry,
            ])
          ).length > 0,
        'a Salesforce change',
      )
      const ms = performance.now() - at
      summary.sfToPg.push(ms)
      say(`  Account ${id} Industry = "${industry}"  arrived in ${ms.toFixed(1)} ms`)
    }

    say('\nPostgres → Salesforce (LISTEN/NOTIFY):')
    for (let i = 0; i < options.changes && !stopping; i += 1) {
      const id = accountIds[(i + 7) % accountIds.length] as string
      const name = `Renamed in Postgres ${i}`
      const at = performance.now()
      await pool.query(`UPDATE ${SCHEMA}.account SET name = $1 WHERE sfid = $2`, [name, id])
      await until(() => emulator.org.get(id)?.Name === name, 'a Postgres change')
      const ms = performance.now() - at
      summary.pgToSf.push(ms)
      say(`  Account ${id} Name = "${name}"  arrived in ${ms.toFixed(1)} ms`)
    }

    say('\nA write Salesforce rejects, then its retry:')
    const [bad] = await rows(
      `INSERT INTO ${SCHEMA}.account (name, industry, external_id__c) VALUES (NULL, 'Energy', 'ACC-NEW') RETURNING id`,
    )
    await until(() => failures.length > 0, 'the rejection')
    say(`  INSERT with no Name → FAILED (${failures[0]})`)
    await pool.query(`UPDATE ${SCHEMA}.account SET name = 'Fixed name' WHERE id = $1`, [bad?.id])
    const requeued = await engine.retryFailed()
    await until(
      async () =>
        (
          await rows(`SELECT 1 FROM ${SCHEMA}.account WHERE id = $1 AND sfid IS NOT NULL`, [
            bad?.id,
          ])
        ).length > 0,
      'the retried insert',
    )
    say(`  fixed the row, retryFailed() requeued ${requeued}: now in Salesforce as "Fixed name"`)

    const status = await engine.status()
    const sf = latencyStats(summary.sfToPg)
    const pg = latencyStats(summary.pgToSf)
    say('\nSummary')
    say(`  initial load           ${summary.pulled} records`)
    say(
      `  Salesforce → Postgres  ${summary.sfToPg.length} changes, p50 ${sf.p50} ms, p99 ${sf.p99} ms, max ${sf.max} ms`,
    )
    say(
      `  Postgres → Salesforce  ${summary.pgToSf.length} changes, p50 ${pg.p50} ms, p99 ${pg.p99} ms, max ${pg.max} ms`,
    )
    say(`  rejected and retried   ${failures.length} rejected, retried successfully`)
    say(`  API calls today        ${status.mappings.reduce((n, m) => n + m.apiCallsToday, 0)}`)
    say(`  failed entries left    ${status.mappings.reduce((n, m) => n + m.failed, 0)}`)
    say(`  took                   ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return 0
  } catch (error) {
    if (stopping) {
      say('\nStopped.')
      return 0
    }
    throw error
  } finally {
    await engine.stop()
    await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {})
    await connection.close()
    await emulator.stop()
    await postgres.stop()
  }
}
