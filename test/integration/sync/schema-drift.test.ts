import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import type { MappingDrift, SyncEngineOptions } from '../../../src/index.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Salesforce changes under a running engine (docs/guides/mappings.md, "When Salesforce
// changes"): real jsforce over HTTP to the emulator, an engine started with a 1-second
// Salesforce poll and LISTEN/NOTIFY, fields changed in the org as an admin would in Setup.
const db = useTestDatabase()
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await fixture?.close()
  fixture = undefined
})
const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

const running = () => [new SalesforcePollingSource(), new PostgresNotifySource()]

/** An org with custom Account fields, a started engine over HTTP, and what it reported. */
async function startEngine(
  fields: string[],
  customise: (org: InMemoryOrg) => void,
  options: { pollIntervalMs?: number } & Partial<SyncEngineOptions> = {},
) {
  const org = new InMemoryOrg()
  customise(org)
  const { pollIntervalMs = 1_000, ...engineOptions } = options
  const account = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields,
    externalId: 'External_Id__c',
    pollIntervalMs,
  })
  fixture = await syncFixture(db(), [account], {
    org,
    over: 'http',
    sources: running(),
    ...engineOptions,
  })
  const drift: MappingDrift[] = []
  const errors: Error[] = []
  fixture.engine.on('mapping:drift', (event) => drift.push(event))
  fixture.engine.on('error', ({ error }) => errors.push(error))
  return { org, engine: fixture.engine, account, drift, errors, fixture }
}

const rowOf = async (sfid: string) =>
  (await sql('SELECT * FROM $schema.account WHERE sfid = $1', [sfid]))[0]
const columnType = async (column: string) =>
  (
    await sql(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attname = $2`,
      [`"${fixture?.connection.schema}".account`, column],
    )
  )[0]?.type
const refused = async () =>
  (await sql('SELECT sfid, sql_state FROM $schema._pgforce_pull_failure')) as {
    sfid: string
    sql_state: string
  }[]

describe('when Salesforce changes under a running engine', () => {
  it('widens the column of a field that grew, and stores the longer value whole', async () => {
    const { org, engine, drift } = await startEngine(['Name', 'Code__c'], (o) =>
      o.addField('Account', { name: 'Code__c', type: 'string', length: 10 }),
    )
    const [id] = org.insert('Account', [{ Name: 'Acme', Code__c: 'short' }])
    await engine.start()
    await waitFor(async () => (await rowOf(id as string))?.code__c === 'short')
    expect(await columnType('code__c')).toBe('character varying(10)')

    org.changeField('Account', 'Code__c', { length: 40 })
    const longer = 'A value of thirty characters!!'
    org.modify('Account', id as string, { Code__c: longer })
    await waitFor(async () => (await rowOf(id as string))?.code__c === longer, 10_000, 'the value')

    expect(await columnType('code__c')).toBe('character varying(40)')
    expect(await refused()).toEqual([])
    expect(drift).toEqual([
      expect.objectContaining({
        mapping: 'Account',
        field: 'Code__c',
        column: 'code__c',
        change: 'widened',
        from: 'varchar(10)',
        to: 'varchar(40)',
      }),
    ])
    // The widened column still sends edits to Salesforce.
    await sql(`UPDATE $schema.account SET code__c = $2 WHERE sfid = $1`, [id, 'B'.repeat(35)])
    await waitFor(() => org.get(id as string)?.Code__c === 'B'.repeat(35), 10_000, 'the push')
  })

  it('goes on without a deleted field both ways (the pull notices first), and so does a restart', async () => {
    const { org, engine, drift, fixture } = await startEngine(
      ['Name', 'Industry', 'Region__c'],
      (o) => o.addField('Account', { name: 'Region__c', type: 'string', length: 20 }),
    )
    const [id] = org.insert('Account', [{ Name: 'Acme', Region__c: 'EU' }])
    await engine.start()
    await waitFor(async () => (await rowOf(id as string))?.region__c === 'EU')

    org.removeField('Account', 'Region__c')
    org.modify('Account', id as string, { Name: 'Acme Renamed' })
    await waitFor(async () => (await rowOf(id as string))?.name === 'Acme Renamed', 10_000, 'pull')
    expect((await rowOf(id as string))?.region__c).toBe('EU') // the column keeps its values
    expect(drift).toEqual([
      expect.objectContaining({ field: 'Region__c', column: 'region__c', change: 'deleted' }),
    ])

    // Postgres → Salesforce: the edit is sent without the missing field, and so is an insert.
    await sql(`UPDATE $schema.account SET industry = 'Energy', region__c = 'US' WHERE sfid = $1`, [
      id,
    ])
    await sql(
      `INSERT INTO $schema.account (name, external_id__c, region__c) VALUES ('New', 'N-1', 'APAC')`,
    )
    await waitFor(() => org.get(id as string)?.Industry === 'Energy', 10_000, 'the update')
    await waitFor(
      () => org.all('Account').some((a) => a.External_Id__c === 'N-1'),
      10_000,
      'the insert',
    )
    await waitFor(async () => (await fixture.log()).every((e) => e.state === 'SUCCESS'))

    const [status] = (await engine.status()).mappings
    expect(status?.missingFields).toEqual(['Region__c'])
    expect(status?.lastError).toBeUndefined()
    expect(status?.failed).toBe(0)

    // A restart plans the mapping again without a ConfigError; install() keeps the column.
    await engine.stop()
    const restarted = new SyncEngine({
      connection: fixture.connection,
      mappings: [
        defineMapping({
          object: 'Account',
          access: 'read_write',
          fields: ['Name', 'Industry', 'Region__c'],
          externalId: 'External_Id__c',
          pollIntervalMs: 1_000,
        }),
      ],
      sources: running(),
    })
    engines.push(restarted)
    const again: MappingDrift[] = []
    restarted.on('mapping:drift', (event) => again.push(event))
    await restarted.install()
    await restarted.start()
    org.modify('Account', id as string, { Name: 'After restart' })
    await waitFor(async () => (await rowOf(id as string))?.name === 'After restart')
    expect(await columnType('region__c')).toBe('character varying(20)')
    expect((await restarted.status()).mappings[0]?.missingFields).toEqual(['Region__c'])
    expect(again.map((d) => d.change)).toEqual(['deleted'])
  })

  it('goes on without a deleted field when a push notices first', async () => {
    const { org, engine, drift } = await startEngine(
      ['Name', 'Industry', 'Region__c'],
      (o) => o.addField('Account', { name: 'Region__c', type: 'string', length: 20 }),
      { pollIntervalMs: 3_600_000 },
    )
    const [id] = org.insert('Account', [{ Name: 'Acme', Region__c: 'EU' }])
    await engine.start()
    await waitFor(async () => (await rowOf(id as string))?.region__c === 'EU')

    org.removeField('Account', 'Region__c')
    await sql(`UPDATE $schema.account SET industry = 'Media', region__c = 'US' WHERE sfid = $1`, [
      id,
    ])
    await waitFor(() => org.get(id as string)?.Industry === 'Media', 10_000, 'the push')
    expect(drift.map((d) => [d.field, d.change])).toEqual([['Region__c', 'deleted']])
    // Editing the missing field's column alone is no longer a change to send.
    const entries = async () =>
      (
        await sql(`SELECT (SELECT count(*) FROM $schema._trigger_log)
                        + (SELECT count(*) FROM $schema._trigger_log_archive) AS n`)
      )[0]?.n
    const before = await entries()
    await sql(`UPDATE $schema.account SET region__c = 'APAC' WHERE sfid = $1`, [id])
    expect(await entries()).toBe(before)
  })

  it('retypes a column where the new type loses nothing (int → double)', async () => {
    const { org, engine, drift } = await startEngine(['Name', 'Score__c'], (o) =>
      o.addField('Account', { name: 'Score__c', type: 'int' }),
    )
    const [id] = org.insert('Account', [{ Name: 'Acme', Score__c: 5 }])
    await engine.start()
    await waitFor(async () => (await rowOf(id as string))?.score__c === 5)
    expect(await columnType('score__c')).toBe('integer')

    org.changeField('Account', 'Score__c', { type: 'double', precision: 18, scale: 2 })
    org.modify('Account', id as string, { Score__c: 2.5 })
    await waitFor(async () => (await rowOf(id as string))?.score__c === 2.5, 10_000, 'the value')
    expect(await columnType('score__c')).toBe('double precision')
    expect(await refused()).toEqual([])
    expect(drift).toEqual([
      expect.objectContaining({
        field: 'Score__c',
        change: 'retyped',
        from: 'integer',
        to: 'double precision',
        salesforceType: 'double',
      }),
    ])
  })

  it('keeps a column whose new type would lose values, reports it, and fails only what does not fit', async () => {
    const { org, engine, drift, errors } = await startEngine(['Name', 'Rank__c'], (o) =>
      o.addField('Account', { name: 'Rank__c', type: 'double' }),
    )
    const [a, b] = org.insert('Account', [
      { Name: 'A', Rank__c: 3 },
      { Name: 'B', Rank__c: 4 },
    ])
    // Its waits timed out twice on a loaded CI machine: they say what the engine went through.
    const pullFailures: string[] = []
    engine.on('pull:failed', ({ error, retryInMs }) =>
      pullFailures.push(`${error.message} (retry in ${retryInMs} ms)`),
    )
    const wentThrough = () =>
      `engine errors: ${errors.map((e) => e.message).join('; ') || 'none'}; failed pulls: ${pullFailures.join('; ') || 'none'}`
    await engine.start()
    await waitFor(
      async () => (await rowOf(b as string))?.rank__c === 4,
      10_000,
      () => `the first pull (${wentThrough()})`,
    )

    // Number → Text in Setup: a double precision column cannot become text without changing values.
    org.changeField('Account', 'Rank__c', { type: 'string', length: 20 })
    org.modify('Account', a as string, { Rank__c: 'high' })
    org.modify('Account', b as string, { Rank__c: '7', Name: 'B2' })
    await waitFor(
      async () => (await rowOf(b as string))?.rank__c === 7,
      10_000,
      'the fitting value',
    )
    await waitFor(async () => (await refused()).length === 1, 10_000, 'the refusal')
    await waitFor(() => drift.length > 0, 10_000, 'the drift event')

    expect(await refused()).toEqual([{ sfid: a, sql_state: '22P02' }])
    expect((await rowOf(a as string))?.rank__c).toBe(3)
    expect(await columnType('rank__c')).toBe('double precision')
    expect(drift).toEqual([
      expect.objectContaining({
        field: 'Rank__c',
        change: 'type-changed',
        from: 'double precision',
        to: 'varchar(20)',
        salesforceType: 'string',
      }),
    ])
    const [status] = (await engine.status()).mappings
    expect(status?.typeMismatches).toEqual([
      {
        field: 'Rank__c',
        column: 'rank__c',
        columnType: 'double precision',
        expectedType: 'varchar(20)',
        salesforceType: 'string',
      },
    ])
    expect(status?.pullFailed).toBe(1)
    // The rest of the mapping goes on.
    org.modify('Account', a as string, { Name: 'A2', Rank__c: '8' })
    // It timed out once at 10 s: a pull that failed is retried with a backoff of up to 30 s.
    const modified = Date.now()
    await waitFor(
      async () => (await rowOf(a as string))?.name === 'A2',
      30_000,
      () => `the fixed record (${wentThrough()})`,
    )
    if (Date.now() - modified > 10_000)
      console.log(
        `schema-drift: the fixed record took ${Date.now() - modified} ms (${wentThrough()})`,
      )
    expect((await rowOf(a as string))?.rank__c).toBe(8)
  })

  it('refuses text that would be stored changed before the field is described again (007 is not 7)', async () => {
    const { org, engine, drift } = await startEngine(['Name', 'Rank__c'], (o) =>
      o.addField('Account', { name: 'Rank__c', type: 'double' }),
    )
    const [a] = org.insert('Account', [{ Name: 'A', Rank__c: 3 }])
    await engine.start()
    await waitFor(async () => (await rowOf(a as string))?.rank__c === 3, 10_000, 'the first pull')
    // Number → Text in Setup; the engine has not described the object again yet.
    org.changeField('Account', 'Rank__c', { type: 'string', length: 20 })
    org.modify('Account', a as string, { Rank__c: '007' })
    await waitFor(async () => (await refused()).length === 1, 10_000, 'the refusal')
    await waitFor(() => drift.length > 0, 10_000, 'the drift event')
    expect(await refused()).toEqual([{ sfid: a, sql_state: '22P02' }])
    expect((await rowOf(a as string))?.rank__c).toBe(3) // not 7
  })

  it('finds a deleted field on its hourly describe, with nothing running into it', async () => {
    const { org, engine, drift } = await startEngine(
      ['Name', 'Region__c'],
      (o) => o.addField('Account', { name: 'Region__c', type: 'string', length: 20 }),
      { pollIntervalMs: 3_600_000, describeRefreshIntervalMs: 200 },
    )
    await engine.start()
    org.removeField('Account', 'Region__c')
    await waitFor(() => drift.length > 0, 10_000, 'the drift event')
    expect(drift.map((d) => [d.field, d.change])).toEqual([['Region__c', 'deleted']])
    expect((await engine.status()).mappings[0]?.missingFields).toEqual(['Region__c'])
  })

  it('syncs a deleted field again when it comes back, loading it for existing rows', async () => {
    const { org, engine, drift } = await startEngine(
      ['Name', 'Region__c'],
      (o) => o.addField('Account', { name: 'Region__c', type: 'string', length: 20 }),
      { describeRefreshIntervalMs: 300 },
    )
    const [id] = org.insert('Account', [{ Name: 'Acme', Region__c: 'EU' }])
    await engine.start()
    await waitFor(async () => (await rowOf(id as string))?.region__c === 'EU')
    // A later record moves the cursor past Acme: only a backfill reads it again.
    org.clock.advance(10_000)
    const [later] = org.insert('Account', [{ Name: 'Later' }])
    await waitFor(async () => (await rowOf(later as string)) !== undefined)
    org.removeField('Account', 'Region__c')
    await waitFor(() => drift.some((d) => d.change === 'deleted'), 10_000, 'deleted')

    // Undeleted in Setup (the emulator restores the field, not its old values: Salesforce's
    // value is now empty), and the next pull loads it for the row.
    org.addField('Account', { name: 'Region__c', type: 'string', length: 20 })
    await waitFor(() => drift.some((d) => d.change === 'restored'), 10_000, 'restored')
    await waitFor(async () => (await rowOf(id as string))?.region__c === null, 10_000, 'loaded')
    await waitFor(
      async () => (await sql('SELECT * FROM $schema._pgforce_backfill')).length === 0,
      10_000,
      'the backfill to complete',
    )
    expect((await engine.status()).mappings[0]?.missingFields).toEqual([])
    org.modify('Account', id as string, { Region__c: 'APAC' })
    await waitFor(async () => (await rowOf(id as string))?.region__c === 'APAC')
  })
})

describe.each(['rest', 'bulk'] as const)('a field added to a mapping (%s)', (path) => {
  it('is loaded for existing rows by the next run, writing that column only', async () => {
    const { org, engine, fixture } = await startEngine(['Name'], (o) =>
      o.addField('Account', { name: 'Tier__c', type: 'string', length: 20 }),
    )
    const ids = org.insert('Account', [
      { Name: 'A', Tier__c: 'Gold' },
      { Name: 'B', Tier__c: 'Silver' },
      { Name: 'C', Tier__c: 'Bronze' },
    ])
    await engine.start()
    await waitFor(async () => (await fixture.count('account')) === 3)
    // A later record moves the pull cursor past A, B and C: the next pulls' look-back window no
    // longer re-reads them, so only the backfill can fill their new column.
    org.clock.advance(10_000)
    const [later] = org.insert('Account', [{ Name: 'D' }])
    await waitFor(async () => (await rowOf(later as string)) !== undefined)
    await engine.stop()
    const [a, b, c] = ids as [string, string, string]
    // A value the engine wrote differently (not captured, as its own writes are): a reload
    // would overwrite it; loading the new column must not touch it.
    await db().pool.query(`BEGIN; SET LOCAL xmlbinary = 'hex';
      UPDATE "${fixture.connection.schema}".account SET name = 'Local name' WHERE sfid = '${c}';
      COMMIT`)

    const widened = defineMapping({
      object: 'Account',
      access: 'read_write',
      fields: ['Name', 'Tier__c'],
      externalId: 'External_Id__c',
      pollIntervalMs: 1_000,
    })
    const next = new SyncEngine({
      connection: fixture.connection,
      mappings: [widened],
      sources: running(),
      ...(path === 'bulk' ? { tuning: { pull: { bulkThreshold: 2 } } } : {}),
    })
    engines.push(next)
    const drift: MappingDrift[] = []
    const loads: unknown[] = []
    next.on('mapping:drift', (event) => drift.push(event))
    next.on('load:started', (event) => loads.push(event))
    const report = await next.install()
    expect(report.addedColumns).toEqual(['account.tier__c'])
    expect(drift.map((d) => [d.column, d.change])).toEqual([['tier__c', 'added']])
    expect(await sql('SELECT column_name FROM $schema._pgforce_backfill')).toEqual([
      { column_name: 'tier__c' },
    ])
    // App edits of the new column before the load are the app's to send, never overwritten by
    // it: one waiting to be sent (A), one Salesforce rejected earlier and that waits for
    // retryFailed() (B: FAILED, so no push sends it meanwhile).
    await sql(`UPDATE $schema.account SET tier__c = 'Platinum' WHERE sfid = ANY($1)`, [[a, b]])
    await sql(`UPDATE $schema._trigger_log SET state = 'FAILED' WHERE sfid = $1`, [b])

    await next.start()
    await waitFor(
      async () => (await sql('SELECT * FROM $schema._pgforce_backfill')).length === 0,
      10_000,
      'the backfill to complete',
    )
    expect((await rowOf(c))?.tier__c).toBe('Bronze')
    expect((await rowOf(c))?.name).toBe('Local name') // only the new column was written
    expect((await rowOf(b))?.tier__c).toBe('Platinum')
    expect(org.get(b)?.Tier__c).toBe('Silver')
    await waitFor(() => org.get(a)?.Tier__c === 'Platinum', 10_000, 'the push')
    expect((await rowOf(a))?.tier__c).toBe('Platinum')
    // Bulk 2.0 above the pull's threshold (2 here), REST pages of `Id, Tier__c` below it.
    const bulkJobs = fixture.emulator?.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/jobs/query'),
    )
    expect(bulkJobs?.length).toBe(path === 'bulk' ? 1 : 0)
    expect(loads).toEqual([
      expect.objectContaining({
        mapping: 'Account',
        total: 4,
        reload: false,
        columns: ['tier__c'],
      }),
    ])
  })
})
