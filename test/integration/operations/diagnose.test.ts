import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnection } from '../../../src/connection/create-connection.js'
import type { SyncEngineOptions } from '../../../src/engine/resolve-engine-options.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { Mapping } from '../../../src/mappings/mapping.js'
import type { DiagnosisCheck } from '../../../src/operations/diagnosis.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { useTestDatabase } from '../../support/test-database.js'

// engine.diagnose() over real jsforce to the emulator and a real Postgres: what `pgforce diagnose`
// prints, on a healthy set-up and on one with the troubles an operator must see.
const db = useTestDatabase()
let emulator: SalesforceEmulator
let n = 0
const open: SyncEngine[] = []

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert('Account', [{ Name: 'Acme' }, { Name: 'Globex' }])
})
afterAll(async () => {
  for (const engine of open) await engine.stop()
  await emulator?.stop()
})

/** An installed engine on a schema of its own, logged in with a session it can renew. */
async function installed(
  mappings: Mapping[],
  options: Partial<SyncEngineOptions> = {},
): Promise<{ engine: SyncEngine; schema: string }> {
  n += 1
  const schema = `diag_${process.pid}_${n}`
  const { credentials } = emulator
  const connection = await createConnection({
    salesforce: {
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
      refreshToken: credentials.refreshToken,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      loginUrl: emulator.loginUrl,
    },
    postgres: db().pool,
    schema,
  })
  const engine = new SyncEngine({ connection, mappings, ...options })
  open.push(engine)
  await engine.install()
  return { engine, schema }
}

const find = (checks: readonly DiagnosisCheck[], check: string, mapping?: string) =>
  checks.find((c) => c.check === check && c.mapping === mapping)

describe('engine.diagnose()', () => {
  it('a healthy set-up is GREEN on every check', async () => {
    const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
    const { engine } = await installed([account])
    await engine.syncOnce()
    const diagnosis = await engine.diagnose()
    expect(diagnosis.checks.filter((c) => c.level !== 'GREEN')).toEqual([])
    expect(diagnosis.level).toBe('GREEN')
    expect(diagnosis.checks.map((c) => `${c.mapping ?? ''}:${c.check}`)).toEqual(
      expect.arrayContaining([
        ':api-version',
        ':auth',
        ':install',
        ':mappings',
        ':api-calls',
        'Account:fields',
        'Account:required-fields',
        'Account:large-text-areas',
        'Account:binary-fields',
        'Account:upsert-field',
        'Account:backlog',
        'Account:failed-entries',
        'Account:stream',
        'Account:api-calls',
      ]),
    )
    expect(find(diagnosis.checks, 'auth')?.reason).toMatch(/token login; the session is renewed/)
    expect(find(diagnosis.checks, 'api-calls', 'Account')?.reason).toMatch(
      /^about 145 calls a day \(a poll every 600 s, 2 records changed in Salesforce and 0 in Postgres in the last day\); \d+ made today$/,
    )
  })

  it('a stuck backlog, a spent budget and a required field not mapped are RED, with reasons', async () => {
    const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
    const contact = defineMapping({
      object: 'Contact',
      access: 'read_write',
      fields: ['FirstName'],
    })
    const { engine, schema } = await installed([account, contact], {
      apiBudget: { dailyCalls: 1000, perMapping: { Account: 50 } },
    })
    // Changes no worker sent for two hours.
    await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('Stuck 1'), ('Stuck 2')`)
    await db().pool.query(
      `UPDATE "${schema}"._trigger_log SET created_at = now() - interval '2 hours'`,
    )
    // Account's budget spent today (as the engine's usage table records it).
    await db().pool.query(
      `INSERT INTO "${schema}"._pgforce_api_usage (day, object, calls)
       VALUES ((now() AT TIME ZONE 'UTC')::date, 'account', 50), ((now() AT TIME ZONE 'UTC')::date, '*', 50)`,
    )
    const diagnosis = await engine.diagnose()
    expect(diagnosis.level).toBe('RED')
    expect(find(diagnosis.checks, 'backlog', 'Account')).toMatchObject({
      level: 'RED',
      reason: expect.stringMatching(
        /^2 unsent changes, the oldest 7\d{3} s old: is a worker running/,
      ),
    })
    expect(find(diagnosis.checks, 'api-calls', 'Account')).toMatchObject({
      level: 'RED',
      reason: expect.stringMatching(/50 made today of a budget of 50: spent/),
    })
    expect(find(diagnosis.checks, 'required-fields', 'Contact')).toMatchObject({
      level: 'RED',
      reason: expect.stringContaining('required by Salesforce but not mapped: LastName'),
    })
    expect(find(diagnosis.checks, 'required-fields', 'Account')?.level).toBe('GREEN')
    expect(find(diagnosis.checks, 'backlog', 'Contact')?.level).toBe('GREEN')
  })

  it('an open warning, a pause and a session that cannot be renewed are YELLOW', async () => {
    const account = defineMapping({ object: 'Account', access: 'read_only', fields: ['Name'] })
    n += 1
    const schema = `diag_${process.pid}_${n}`
    const connection = await createConnection({
      salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
      postgres: db().pool,
      schema,
    })
    const engine = new SyncEngine({ connection, mappings: [account] })
    open.push(engine)
    await engine.install()
    await engine.pause('the test')
    await db().pool.query(
      `INSERT INTO "${schema}"._pgforce_warning (kind, mapping, level, message)
       VALUES ('stream-lost', '/data/AccountChangeEvent', 'YELLOW', 'salesforce-streaming lost /data/AccountChangeEvent')`,
    )
    const diagnosis = await engine.diagnose()
    expect(diagnosis.level).toBe('YELLOW')
    expect(diagnosis.checks.filter((c) => c.level !== 'GREEN').map((c) => c.check)).toEqual([
      'auth',
      'paused',
      'stream',
      'warning:stream-lost',
    ])
    expect(find(diagnosis.checks, 'auth')?.reason).toMatch(/token login that cannot renew/)
    expect(find(diagnosis.checks, 'stream', 'Account')?.reason).toMatch(
      /lost \/data\/AccountChangeEvent/,
    )
  })
})
