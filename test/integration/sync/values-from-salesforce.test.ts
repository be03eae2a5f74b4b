import { afterEach, describe, expect, it } from 'vitest'
import type { SyncEngineEvents } from '../../../src/engine/sync-engine-events.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { corruptRecord } from '../../support/corrupt-record.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// A record Postgres refuses fails alone, on the way in (reliability findings 6f and 6g): the good
// records of its page arrive, the cursor moves on, the bad one is reported and set aside in
// _pgforce_pull_failure until it is fixed. Nothing is cut or changed to fit.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'BillingCity', 'AnnualRevenue', 'NumberOfEmployees'],
})
type RecordFailed = SyncEngineEvents['pull:record-failed'][0]
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const sql = async (text: string, values: unknown[] = []) =>
  (await db().pool.query(text.replaceAll('$schema', `"${fixture?.connection.schema}"`), values))
    .rows

const failures = () =>
  sql(
    `SELECT table_name, sfid, sql_state, attempts FROM $schema._pgforce_pull_failure ORDER BY sfid`,
  )

const cases = [
  {
    title: 'a NUL byte in a text field',
    bad: { Name: 'Bad\u0000Name' },
    fix: { Name: 'Fixed' },
    sqlState: '22021',
    message: /invalid byte sequence for encoding "UTF8": 0x00/,
  },
  {
    title: 'text in a number field',
    bad: { NumberOfEmployees: 'lots' },
    fix: { NumberOfEmployees: 12 },
    sqlState: '22P02',
    message: /invalid input syntax for type integer: "lots"/,
  },
  {
    title: 'a value longer than its varchar(40) column',
    bad: { BillingCity: 'c'.repeat(41) },
    fix: { BillingCity: 'Paris' },
    sqlState: '22001',
    message: /value too long for type character varying\(40\)/,
  },
  {
    title: 'non-numeric text in a currency field',
    bad: { AnnualRevenue: 'abc' },
    fix: { AnnualRevenue: 1500 },
    sqlState: '22P02',
    message: /invalid input syntax for type double precision: "abc"/,
  },
] as const
const matrix = [
  ...cases.map((c) => ({ ...c, over: 'in-memory' as const })),
  ...cases.slice(0, 2).map((c) => ({ ...c, over: 'http' as const })),
]

describe('a record Postgres refuses fails alone', () => {
  it.each(matrix)('$title ($over)', async ({ bad, fix, sqlState, message, over }) => {
    fixture = await syncFixture(db(), [account], { over })
    const { org, engine } = fixture
    const [first, broken, last] = org.insert('Account', [
      { Name: 'First' },
      { Name: 'Broken', BillingCity: 'Lyon', AnnualRevenue: 10, NumberOfEmployees: 3 },
      { Name: 'Last' },
    ]) as [string, string, string]
    corruptRecord(org, broken, bad)
    const reported: RecordFailed[] = []
    engine.on('pull:record-failed', (event) => reported.push(event))

    const report = await engine.syncOnce()
    expect(report.pulls[0]).toMatchObject({ inserted: 2, failed: 1 })
    expect((await fixture.rows('account', 'sfid')).map((r) => r.sfid)).toEqual([first, last].sort())
    expect(reported).toEqual([
      {
        mapping: 'Account',
        sfid: broken,
        error: { sqlState, message: expect.stringMatching(message) },
        attempts: 1,
      },
    ])
    expect(await failures()).toEqual([
      { table_name: 'account', sfid: broken, sql_state: sqlState, attempts: 1 },
    ])
    expect((await engine.status()).mappings[0]).toMatchObject({
      pullFailed: 1,
      cursor: { id: last },
    })

    // The next poll goes on: it does not fail, does not report the unchanged record again, and
    // brings a new record.
    org.insert('Account', [{ Name: 'Later' }])
    const next = await engine.syncOnce()
    expect(next.pulls[0]).toMatchObject({ inserted: 1, failed: 0 })
    expect(reported).toHaveLength(1)

    // Fixed in Salesforce: it comes back through the cursor, arrives, and leaves the table.
    org.clock.advance(1000)
    org.modify('Account', broken, fix)
    const fixed = await engine.syncOnce()
    expect(fixed.pulls[0]).toMatchObject({ inserted: 1, failed: 0 })
    expect(await fixture.count('account')).toBe(4)
    expect(await failures()).toEqual([])
    expect((await engine.status()).mappings[0]?.pullFailed).toBe(0)
    expect(reported).toHaveLength(1)
  })

  it('in a Bulk 2.0 load (over jsforce): good records load, bad ones are set aside', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    const ids = org.insert(
      'Account',
      Array.from({ length: 10 }, (_, i) => ({ Name: `Load ${i}`, AnnualRevenue: i })),
    ) as string[]
    const [nul, text] = [ids[3] as string, ids[6] as string]
    corruptRecord(org, nul, { Name: 'Bad\u0000' })
    corruptRecord(org, text, { AnnualRevenue: 'abc' })
    const reported: RecordFailed[] = []
    engine.on('pull:record-failed', (event) => reported.push(event))
    const loads: unknown[] = []
    engine.on('load:started', (event) => loads.push(event))

    const report = await engine.reload('Account')
    expect(loads).toHaveLength(1)
    expect(report).toMatchObject({ inserted: 8, failed: 2 })
    expect(await fixture.count('account')).toBe(8)
    expect(reported.map((r) => [r.sfid, r.error.sqlState]).sort()).toEqual(
      [
        [nul, '22021'],
        [text, '22P02'],
      ].sort(),
    )
    expect((await failures()).map((f) => f.sfid)).toEqual([nul, text].sort())
    expect((await engine.status()).mappings[0]).toMatchObject({
      pullFailed: 2,
      cursor: { id: ids[9] },
    })
    // Not NaN: the currency text was refused, not stored as a number it is not.
    expect(
      await sql(`SELECT count(*)::int AS n FROM $schema.account WHERE annualrevenue = 'NaN'`),
    ).toEqual([{ n: 0 }])

    const next = await engine.syncOnce()
    expect(next.pulls[0]).toMatchObject({ failed: 0 })
    org.clock.advance(1000)
    org.modify('Account', nul, { Name: 'Fixed' })
    org.modify('Account', text, { AnnualRevenue: 6 })
    const fixed = await engine.syncOnce()
    expect(fixed.pulls[0]).toMatchObject({ inserted: 2, failed: 0 })
    expect(await fixture.count('account')).toBe(10)
    expect(await failures()).toEqual([])
  })

  it("a record the app's own trigger refuses fails alone; the rest of its page is applied", async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    await sql(`CREATE FUNCTION $schema.no_test_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name LIKE 'Test%' THEN RAISE EXCEPTION 'no test accounts here'; END IF;
        RETURN NEW;
      END $$`)
    await sql(`CREATE TRIGGER no_test_accounts BEFORE INSERT OR UPDATE ON $schema.account
      FOR EACH ROW EXECUTE FUNCTION $schema.no_test_accounts()`)
    const [, refused] = org.insert('Account', [
      { Name: 'Acme' },
      { Name: 'Test account' },
      { Name: 'Globex' },
    ]) as [string, string, string]
    const reported: RecordFailed[] = []
    engine.on('pull:record-failed', (event) => reported.push(event))
    const report = await engine.syncOnce()
    expect(report.pulls[0]).toMatchObject({ inserted: 2, failed: 1 })
    expect(reported.map((r) => [r.sfid, r.error.sqlState])).toEqual([[refused, 'P0001']])
    expect(await fixture.rows('account', 'name')).toEqual([{ name: 'Acme' }, { name: 'Globex' }])
  })

  it('retryPullFailures() reads a refused record again now: once the column is wide enough, it arrives whole', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    const [id] = org.insert('Account', [{ Name: 'Long city' }]) as [string]
    corruptRecord(org, id, { BillingCity: 'c'.repeat(41) })
    await engine.syncOnce()
    expect(await fixture.count('account')).toBe(0)
    // The old code cut the value to 40 characters; nothing is stored until it fits whole.
    await sql('ALTER TABLE $schema.account ALTER COLUMN billingcity TYPE varchar(80)')
    const quiet = await engine.syncOnce()
    expect(quiet.pulls[0]).toMatchObject({ inserted: 0, failed: 0 })
    expect(await engine.retryPullFailures({ objects: ['Account'] })).toBe(1)
    const retried = await engine.syncOnce()
    expect(retried.pulls[0]).toMatchObject({ inserted: 1, failed: 0 })
    expect(await fixture.rows('account', 'billingcity')).toEqual([{ billingcity: 'c'.repeat(41) }])
    expect(await failures()).toEqual([])
  })

  it('retries an unchanged record when its retry is due, counting attempts', async () => {
    fixture = await syncFixture(db(), [account], { pullFailureRetryMs: 120_000 })
    const { org, engine } = fixture
    const [id] = org.insert('Account', [{ Name: 'Employees', NumberOfEmployees: 1 }]) as [string]
    corruptRecord(org, id, { NumberOfEmployees: 'many' })
    const reported: RecordFailed[] = []
    engine.on('pull:record-failed', (event) => reported.push(event))
    await engine.syncOnce()
    expect(
      await sql(
        `SELECT extract(epoch FROM next_attempt_at - last_failed_at)::int AS wait
         FROM $schema._pgforce_pull_failure`,
      ),
    ).toEqual([{ wait: 120 }])
    // Two minutes pass.
    await sql(
      `UPDATE $schema._pgforce_pull_failure SET next_attempt_at = now() - interval '1 second'`,
    )
    const report = await engine.syncOnce()
    expect(report.pulls[0]).toMatchObject({ inserted: 0, failed: 1 })
    expect(reported.map((r) => r.attempts)).toEqual([1, 2])
    expect(await failures()).toEqual([
      { table_name: 'account', sfid: id, sql_state: '22P02', attempts: 2 },
    ])
  })

  it('an error that is not about a value still fails the pull, and the cursor stays', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    await sql(`CREATE FUNCTION $schema.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'Locked' THEN
          RAISE EXCEPTION 'could not obtain lock' USING ERRCODE = '55P03';
        END IF;
        RETURN NEW;
      END $$`)
    await sql(
      'CREATE TRIGGER refuse BEFORE INSERT ON $schema.account FOR EACH ROW EXECUTE FUNCTION $schema.refuse()',
    )
    org.insert('Account', [{ Name: 'Fine' }, { Name: 'Locked' }])
    await expect(engine.syncOnce()).rejects.toMatchObject({ sqlState: '55P03' })
    expect(await fixture.count('account')).toBe(0)
    expect(await failures()).toEqual([])
    expect((await engine.status()).mappings[0]?.cursor).toBeUndefined()
  })
})
