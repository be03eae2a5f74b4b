import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { mappingsFromHerokuConnect } from '../../../src/mappings/mappings-from-heroku-connect.js'
import { SCHEMA_VERSION } from '../../../src/postgres/install/migrations.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { runPgforce, writeCliConfig } from '../../support/cli-config.js'
import { useTestDatabase } from '../../support/test-database.js'

// The operator's commands against a real config module (TypeScript, as users write it), the
// emulator over HTTP and the test database: what `npx pgforce <command>` prints.
const db = useTestDatabase()
const schema = `cli_${process.pid}`
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let emulator: SalesforceEmulator
let dir: string

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert(
    'Account',
    Array.from({ length: 30 }, (_, i) => ({ Name: `Account ${i}` })),
  )
  dir = writeCliConfig('pgforce-cli-', {
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    databaseUrl: db().url,
    schema,
  })
})
afterAll(async () => {
  await emulator?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs `pgforce <args>` in the config's directory. */
const pgforce = (...args: string[]) => runPgforce(dir, ...args)

/** Makes one FAILED entry: a row Salesforce rejects (no Name), pushed by an engine. */
async function failOneInsert(): Promise<void> {
  await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES (NULL)`)
  const connection = await createConnection({
    salesforce: { instanceUrl: emulator.instanceUrl, accessToken: emulator.accessToken },
    postgres: db().pool,
    schema,
  })
  await new SyncEngine({ connection, mappings: [account], sources: [] }).syncOnce()
  await connection.close()
}

describe('pgforce install | reload | status | retry-failed | export', () => {
  it('install creates the schema and reports it; a second install changes nothing', async () => {
    const first = await pgforce('install', '--json')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.out)).toMatchObject({
      schema,
      fromVersion: 0,
      toVersion: SCHEMA_VERSION,
    })
    expect(JSON.parse(first.out).createdTables).toContain('account')
    const again = await pgforce('install')
    expect(again).toMatchObject({ code: 0 })
    expect(again.out).toContain('tables created: none')
  })

  it('reload reads every record and says what it did', async () => {
    const { code, out, err } = await pgforce('reload', 'Account')
    expect(code).toBe(0)
    expect(err).toContain('loading Account 100% (30/30)') // progress, on stderr
    expect(out).toMatch(/^Account reloaded: 30 inserted, 0 updated, 0 deleted in \d+ ms/)
    const { rows } = await db().pool.query(`SELECT count(*)::int AS n FROM "${schema}".account`)
    expect(rows[0]?.n).toBe(30)
  })

  it('status shows failures; retry-failed requeues them, --ignore dismisses them', async () => {
    await failOneInsert()
    const status = await pgforce('status', '--json')
    expect(status.code).toBe(0)
    expect(JSON.parse(status.out).mappings[0]).toMatchObject({ object: 'Account', failed: 1 })
    const human = await pgforce('status')
    expect(human.out).toMatch(/Account\s+read_write\s+0\s+1\s/)

    expect(await pgforce('retry-failed', '--json')).toMatchObject({ code: 0 })
    expect(JSON.parse((await pgforce('status', '--json')).out).mappings[0]).toMatchObject({
      pending: 1,
      failed: 0,
    })
    await failOneInsert() // the same row fails again, and a second one fails
    const ignored = await pgforce('retry-failed', '--ignore', '--object', 'Account')
    expect(ignored).toMatchObject({ code: 0, out: '2 failed entries ignored\n' })
    expect(JSON.parse((await pgforce('status', '--json')).out).mappings[0]).toMatchObject({
      pending: 0,
      failed: 0,
    })
  })

  it('reports an unknown object and a broken config as errors with exit code 1', async () => {
    const unknown = await pgforce('reload', 'Nope__c')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toMatch(/^pgforce: .*Nope__c/s)
    writeFileSync(join(dir, 'broken.config.mjs'), 'export const nothing = 1\n')
    const broken = await pgforce('status', '--config', 'broken.config.mjs')
    expect(broken.code).toBe(1)
    expect(broken.err).toContain('a default export')
  })

  it("export prints the mappings as Heroku Connect's export JSON, and --out writes it to a file", async () => {
    const printed = await pgforce('export')
    expect(printed.code).toBe(0)
    const exported = JSON.parse(printed.out)
    expect(exported).toMatchObject({
      version: 1,
      connection: {
        api_version: '60.0',
        features: { poll_db_no_merge: true, disable_bulk_writes: true },
      },
      mappings: [
        {
          object_name: 'Account',
          config: {
            access: 'read_write',
            sf_notify_enabled: true,
            sf_polling_seconds: 600,
            fields: { Id: {}, SystemModstamp: {}, IsDeleted: {}, CreatedDate: {}, Name: {} },
            indexes: { Id: { unique: true }, SystemModstamp: { unique: false } },
          },
        },
      ],
    })
    expect(mappingsFromHerokuConnect(exported).mappings).toEqual([account])

    const written = await pgforce('export', '--out', 'connect-export.json', '--api-version', '59.0')
    expect(written).toMatchObject({
      code: 0,
      out: '',
      err: '1 mappings written to connect-export.json\n',
    })
    const file = JSON.parse(readFileSync(join(dir, 'connect-export.json'), 'utf8'))
    expect(file.connection.api_version).toBe('59.0')
  })

  it('runs as the real bin, with a TypeScript config', async () => {
    const tsx = resolve('node_modules/.bin/tsx')
    const { stdout } = await promisify(execFile)(
      tsx,
      [resolve('src/cli/bin.ts'), 'status', '--json'],
      {
        cwd: dir,
      },
    )
    expect(JSON.parse(stdout).mappings[0]).toMatchObject({ object: 'Account', pending: 0 })
  })

  it('warns on stderr when the config logs in with a username and password (retiring 2027-02-20)', async () => {
    const { username, password, clientId, clientSecret } = emulator.credentials
    const src = resolve('src/index.ts')
    writeFileSync(
      join(dir, 'password.config.ts'),
      `import { createConnection, defineMapping } from ${JSON.stringify(src)}
export default async () => ({
  connection: await createConnection({
    salesforce: ${JSON.stringify({ loginUrl: emulator.loginUrl, username, password, clientId, clientSecret })},
    postgres: { connectionString: ${JSON.stringify(db().url)} },
    schema: ${JSON.stringify(schema)},
  }),
  mappings: [defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })],
})
`,
    )
    const status = await pgforce('status', '--config', 'password.config.ts')
    expect(status.code).toBe(0)
    expect(status.err).toMatch(/^pgforce: warning: .*username-password flow.*2027-02-20/m)
    expect((await pgforce('status')).err).not.toContain('warning')
  })
})
