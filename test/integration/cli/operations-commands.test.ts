import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSince } from '../../../src/cli/operations-commands.js'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { exportMappings } from '../../../src/mappings/export-mappings.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { runPgforce, writeCliConfig } from '../../support/cli-config.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// pause, resume, state, errors, import and diagnose as an operator types them, against a real
// config module, the emulator over HTTP and the test database.
const db = useTestDatabase()
const schema = `ops_${process.pid}`
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let emulator: SalesforceEmulator
let dir: string

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert('Account', [{ Name: 'Acme' }])
  dir = writeCliConfig('pgforce-ops-', {
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    databaseUrl: db().url,
    schema,
  })
  expect((await pgforce('install')).code).toBe(0)
})
afterAll(async () => {
  await emulator?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs `pgforce <args>` in the config's directory. */
const pgforce = (...args: string[]) => runPgforce(dir, ...args)

async function engine(): Promise<SyncEngine> {
  const connection = await createConnection({
    salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    postgres: db().pool,
    schema,
  })
  return new SyncEngine({
    connection,
    mappings: [account],
    sources: [],
    operations: { controlPollMs: 50 },
  })
}

describe('pgforce pause | resume | state | errors | import | diagnose', () => {
  it('pause from the CLI pauses a running engine in another process; resume resumes it', async () => {
    const worker = await engine()
    const events: boolean[] = []
    worker.on('paused', ({ paused }) => events.push(paused))
    await worker.start()
    expect(await pgforce('pause')).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^paused: running workers stop/),
    })
    await waitFor(() => events.includes(true), 5000, 'the worker to pause')
    const state = JSON.parse((await pgforce('state', '--json')).out)
    expect(state).toMatchObject({
      paused: true,
      mappings: [{ mapping: 'Account', state: 'paused', herokuConnectState: 'PAUSED' }],
    })
    expect((await pgforce('state')).out).toMatch(/Account\s+paused\s+PAUSED\s+0\s+0\npaused:/)
    expect(JSON.parse((await pgforce('resume', '--json')).out)).toEqual({ paused: false })
    await waitFor(() => events.at(-1) === false, 5000, 'the worker to resume')
    await worker.stop()
    // A worker started later follows the switch too.
    await pgforce('pause')
    const later = await engine()
    await later.start()
    expect((await later.status()).mappings[0]?.state).toBe('paused')
    await later.resume()
    expect((await later.status()).paused).toBe(false)
    await later.stop()
  })

  it('state names each mapping as Heroku Connect would', async () => {
    const worker = await engine()
    await worker.syncOnce()
    const { out } = await pgforce('state')
    expect(out).toMatch(
      /^mapping\s+state\s+Heroku Connect\s+pending\s+failed\nAccount\s+synced\s+DATA_SYNCED\s+0\s+0\n$/,
    )
  })

  it('errors lists the writes Salesforce rejected, by mapping and age', async () => {
    await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES (NULL)`)
    await (await engine()).syncOnce()
    const listed = JSON.parse((await pgforce('errors', '--json')).out)
    expect(listed).toEqual([
      expect.objectContaining({
        mapping: 'Account',
        table: 'account',
        action: 'INSERT',
        message: expect.stringContaining('Required fields are missing: [Name]'),
        failedAt: expect.any(String),
      }),
    ])
    const human = await pgforce('errors', '--mapping', 'Account', '--since', '1h')
    expect(human.out).toMatch(
      /^\d{4}-\d\d-\d\dT.*Account INSERT row \d+ \[entry \d+, \d+ s ago\]\n {4}.*Required fields/,
    )
    expect((await pgforce('errors', '--since', '2099-01-01')).out).toBe('no write errors\n')
    expect((await pgforce('errors', '--mapping', 'Nope__c')).code).toBe(1)
    expect(parseSince('2h', 10_000_000).getTime()).toBe(10_000_000 - 7_200_000)
  })

  it("import reads Heroku Connect's export, compares it with the config and writes a mappings module", async () => {
    const exported = exportMappings(
      [
        defineMapping({ object: 'Account', access: 'read_write', fields: ['Name', 'Industry'] }),
        defineMapping({ object: 'Contact', access: 'read_only', fields: ['LastName'] }),
      ],
      {},
    )
    writeFileSync(join(dir, 'connect-export.json'), JSON.stringify(exported))
    const human = await pgforce('import', 'connect-export.json', '--out', 'mappings.ts')
    expect(human.code).toBe(0)
    expect(human.out).toContain('2 mappings in connect-export.json:')
    expect(human.out).toContain('  + Contact (not in the config)')
    expect(human.out).toContain('  ~ Account: fields added: industry')
    expect(readFileSync(join(dir, 'mappings.ts'), 'utf8')).toContain(
      'new URL("./connect-export.json", import.meta.url)',
    )
    const json = JSON.parse((await pgforce('import', 'connect-export.json', '--json')).out)
    expect(json.mappings.map((m: { object: string }) => m.object)).toEqual(['Account', 'Contact'])
  })

  it('diagnose prints every check with its level and reason', async () => {
    const { code, out } = await pgforce('diagnose')
    expect(code).toBe(0)
    expect(out).toMatch(/^overall: (GREEN|YELLOW|RED)\n\nconnection\n {2}GREEN {2}api-version/)
    expect(out).toMatch(/\nAccount\n {2}GREEN {2}fields {13}1 field\n/)
    expect(out).toMatch(/ {2}GREEN {2}stream {13}no change event received yet/)
    expect(out).toMatch(/ {2}YELLOW failed-entries {5}1 write Salesforce rejected/)
    const json = JSON.parse((await pgforce('diagnose', '--json')).out)
    expect(json.checks).toContainEqual({
      check: 'auth',
      level: 'YELLOW',
      reason: expect.stringContaining('token login that cannot renew'),
    })
  })
})
