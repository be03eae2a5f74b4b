import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { runPgforce, writeCliConfig } from '../../support/cli-config.js'
import { useTestDatabase } from '../../support/test-database.js'

// `pgforce verify` against a real config module, the emulator over HTTP and the test database:
// what it prints, and the exit codes a cron job or CI step relies on (0 in sync, 2 drift, 1 error).
const db = useTestDatabase()
const schema = `cli_verify_${process.pid}`
let emulator: SalesforceEmulator
let dir: string
let ids: string[]

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  ids = emulator.org.insert(
    'Account',
    Array.from({ length: 30 }, (_, i) => ({ Name: `Account ${i}` })),
  )
  dir = writeCliConfig('pgforce-cli-verify-', {
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    databaseUrl: db().url,
    schema,
  })
})
afterAll(async () => {
  await emulator?.stop()
  rmSync(dir, { recursive: true, force: true })
  await db().pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
})

/** Runs `pgforce <args>` in the config's directory. */
const pgforce = (...args: string[]) => runPgforce(dir, ...args)

describe('pgforce verify', () => {
  it('exits 0 when a mapping is in sync, 2 on drift; --repair re-pulls the drifted records', async () => {
    expect((await pgforce('install')).code).toBe(0)
    expect((await pgforce('reload', 'Account')).code).toBe(0)
    const clean = await pgforce('verify')
    expect(clean).toMatchObject({ code: 0, err: '' })
    expect(clean.out).toMatch(/^Account: in sync — 30 in Salesforce, 30 in Postgres; 30 sampled/)

    // A row changed behind the engine's back (not captured, so nothing would ever send it).
    const [tampered] = ids
    await db().pool.query(
      `BEGIN; SET LOCAL xmlbinary = 'hex'; UPDATE "${schema}".account SET name = 'Tampered' WHERE sfid = '${tampered}'; COMMIT`,
    )
    const drift = await pgforce('verify', 'Account', '--json', '--sample', '50', '--recent', '0')
    expect(drift.code).toBe(2)
    expect(JSON.parse(drift.out)).toMatchObject([
      {
        mapping: 'Account',
        sampled: 30,
        differing: [
          {
            sfid: tampered,
            fields: [
              { field: 'Name', column: 'name', salesforce: 'Account 0', postgres: 'Tampered' },
            ],
          },
        ],
        repaired: [],
        inSync: false,
      },
    ])
    const human = await pgforce('verify')
    expect(human.code).toBe(2)
    expect(human.out).toContain(
      `Account: DRIFT — 30 in Salesforce, 30 in Postgres; 30 sampled: 1 differing`,
    )
    expect(human.out).toContain(
      `  ${tampered} Name (name): Salesforce "Account 0", Postgres "Tampered"\n`,
    )

    const repaired = await pgforce('verify', '--repair')
    expect(repaired.code).toBe(0)
    expect(repaired.out).toContain(`${tampered} Name (name)`)
    expect(repaired.out).toContain('(repaired)')
    expect(await pgforce('verify')).toMatchObject({ code: 0 })
    const { rows } = await db().pool.query(`SELECT name FROM "${schema}".account WHERE sfid = $1`, [
      tampered,
    ])
    expect(rows).toEqual([{ name: 'Account 0' }])
  })

  it('exits 1 on an unknown object, and refuses a bad sample size', async () => {
    const unknown = await pgforce('verify', 'Nope__c')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toMatch(/^pgforce: .*objects.*nope__c/is)
    const bad = await pgforce('verify', '--sample', 'many')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('expected a whole number')
  })
})
