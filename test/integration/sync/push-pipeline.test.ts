import { afterEach, expect, it } from 'vitest'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// How the default (ordered) push keeps the API busy, and what it never gives up for it
// (docs/concepts/delivery-guarantees.md, docs/guides/write-strategies.md).
const db = useTestDatabase()
const keyed = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
})
const unkeyed = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

/** Counts the calls of `method` in flight at once at the adapter (the org adds latency). */
function trackInFlight(adapter: SalesforceAdapter, method: 'create' | 'upsert') {
  const seen = { now: 0, most: 0, calls: 0 }
  const original = adapter[method].bind(adapter) as (...args: unknown[]) => Promise<unknown>
  Object.assign(adapter, {
    [method]: async (...args: unknown[]) => {
      seen.now += 1
      seen.calls += 1
      seen.most = Math.max(seen.most, seen.now)
      try {
        return await original(...args)
      } finally {
        seen.now -= 1
      }
    },
  })
  return seen
}

const duplicates = (values: readonly unknown[]) => values.length - new Set(values).size

/**
 * 250 synced rows in rounds of 200, then row 1 edited to 'first', every other row edited, and row
 * 1 edited to 'second': the first edit is the first entry of the first round, the second the last
 * entry, in the batch claimed while that round runs.
 */
async function twoEditsAcrossRounds(): Promise<SyncFixture> {
  const f = await syncFixture(db(), [unkeyed], { tuning: { push: { claimSize: 200 } } })
  fixture = f // what sql() writes to, and afterEach closes
  await sql(
    `INSERT INTO $schema.account (name) SELECT 'Plain ' || g FROM generate_series(1, 250) g`,
  )
  await f.engine.syncOnce()
  await sql(`UPDATE $schema.account SET name = 'first' WHERE id = 1`)
  await sql(`UPDATE $schema.account SET name = name || ' (edited)' WHERE id BETWEEN 2 AND 250`)
  await sql(`UPDATE $schema.account SET name = 'second' WHERE id = 1`)
  return f
}

it('inserts with an external id go out as upserts, two calls at a time; creates one at a time', async () => {
  fixture = await syncFixture(db(), [keyed])
  fixture.org.faults.setLatency(30)
  const upserts = trackInFlight(fixture.adapter, 'upsert')
  const creates = trackInFlight(fixture.adapter, 'create')
  await sql(`INSERT INTO $schema.account (name, external_id__c)
             SELECT 'Keyed ' || g, 'K-' || g FROM generate_series(1, 1000) g`)
  await fixture.engine.syncOnce()
  expect(upserts).toMatchObject({ calls: 5, most: 2 })
  expect(creates.calls).toBe(0)

  await sql(
    `INSERT INTO $schema.account (name) SELECT 'Plain ' || g FROM generate_series(1, 600) g`,
  )
  await fixture.engine.syncOnce()
  expect(creates).toMatchObject({ calls: 3, most: 1 })
  const records = fixture.org.all('Account')
  expect(records).toHaveLength(1600)
  expect(duplicates(records.map((r) => r.Name))).toBe(0)
  const [rows] = await sql(`SELECT count(*)::int AS n FROM $schema.account WHERE sfid IS NULL`)
  expect(rows?.n).toBe(0)
})

it('an upsert whose answer is lost is sent again and duplicates nothing', async () => {
  fixture = await syncFixture(db(), [keyed])
  const adapter = fixture.adapter
  const upsert = adapter.upsert.bind(adapter)
  let lost = 0
  // Salesforce carries out the first call of two upserts in flight, then the answer never comes.
  adapter.upsert = async (...args: Parameters<SalesforceAdapter['upsert']>) => {
    const saved = await upsert(...args)
    if (lost === 0) {
      lost += 1
      throw new SalesforceApiError('socket hang up', { errorCode: 'ECONNRESET', retryable: true })
    }
    return saved
  }
  await sql(`INSERT INTO $schema.account (name, external_id__c)
             SELECT 'Keyed ' || g, 'K-' || g FROM generate_series(1, 1000) g`)
  await expect(fixture.engine.syncOnce()).rejects.toMatchObject({ retryable: true })
  expect(fixture.org.all('Account').length).toBeGreaterThanOrEqual(200) // it was carried out
  await fixture.engine.syncOnce()
  const records = fixture.org.all('Account')
  expect(records).toHaveLength(1000)
  expect(duplicates(records.map((r) => r.External_Id__c))).toBe(0)
  const [rows] = await sql(
    `SELECT count(*)::int AS unsynced FROM $schema.account WHERE sfid IS NULL`,
  )
  expect(rows?.unsynced).toBe(0)
  expect(await fixture.log()).toEqual([])
})

it("the next round's calls go out while the round before is still committing", async () => {
  fixture = await syncFixture(db(), [keyed], { tuning: { push: { claimSize: 200 } } })
  await sql(`INSERT INTO $schema.account (name, external_id__c)
             SELECT 'Keyed ' || g, 'K-' || g FROM generate_series(1, 400) g`)
  // Row 1's lock holds up the commit of the first round (200 rows, one call).
  const locker = await db().pool.connect()
  let locked = true
  try {
    await locker.query('BEGIN')
    await locker.query(
      `SELECT 1 FROM "${fixture.connection.schema}".account WHERE external_id__c = 'K-1' FOR UPDATE`,
    )
    const pushing = fixture.engine.syncOnce()
    // The second round's call went out, its predecessor's sfids not yet written.
    await waitFor(() => fixture?.org.all('Account').length === 400, 10_000, 'the second call')
    const [first] = await sql(`SELECT sfid FROM $schema.account WHERE external_id__c = 'K-1'`)
    expect(first?.sfid).toBeNull()
    await locker.query('COMMIT')
    locked = false
    const report = await pushing
    expect(report.pushes[0]).toMatchObject({ succeeded: 400, failed: 0 })
  } finally {
    if (locked) await locker.query('ROLLBACK')
    locker.release()
  }
  const [rows] = await sql(
    `SELECT count(*)::int AS unsynced FROM $schema.account WHERE sfid IS NULL`,
  )
  expect(rows?.unsynced).toBe(0)
  expect(duplicates(fixture.org.all('Account').map((r) => r.External_Id__c))).toBe(0)
})

it('a change of a record the round before sent goes after that round committed, in order', async () => {
  fixture = await syncFixture(db(), [unkeyed], { tuning: { push: { claimSize: 200 } } })
  await sql(
    `INSERT INTO $schema.account (name) SELECT 'Plain ' || g FROM generate_series(1, 300) g`,
  )
  // Inserts in the first round, the same records' updates in the rounds after (claimed ahead).
  await sql(`UPDATE $schema.account SET name = name || ' (edited)' WHERE id % 3 = 1`)
  fixture.org.faults.failRecords({ objectName: 'Account', statusCode: 'FIELD_INTEGRITY_EXCEPTION' })
  const report = await fixture.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ failed: 1 })
  const names = new Map(fixture.org.all('Account').map((r) => [r.Id, r.Name]))
  const rows = await sql(`SELECT sfid, name FROM $schema.account WHERE sfid IS NOT NULL`)
  expect(rows).toHaveLength(299)
  for (const row of rows) expect(names.get(String(row.sfid))).toBe(row.name)
  // Row 1's insert was rejected (the first record sent); its update waits behind it.
  const log = await fixture.log()
  expect(log.map((e) => [e.record_id, e.action, e.state])).toEqual([
    [1, 'INSERT', 'FAILED'],
    [1, 'UPDATE', 'NEW'],
  ])
})

it("a change claimed ahead waits behind the record's change the round before rejected", async () => {
  // Row 1's first edit is the first record of the first round (200 entries), rejected; its second
  // edit is the last entry, in the batch claimed while that round runs.
  fixture = await twoEditsAcrossRounds()
  fixture.org.faults.setLatency(30)
  fixture.org.faults.failRecords({ objectName: 'Account', statusCode: 'FIELD_INTEGRITY_EXCEPTION' })
  const report = await fixture.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ failed: 1, succeeded: 249 })
  // Salesforce still has the record as it was: 'second' was not sent over the rejected 'first'.
  const [row] = await sql(`SELECT sfid FROM $schema.account WHERE id = 1`)
  const record = fixture.org.all('Account').find((r) => r.Id === row?.sfid)
  expect(record?.Name).toBe('Plain 1')
  expect((await fixture.log()).map((e) => [e.record_id, e.action, e.state])).toEqual([
    [1, 'UPDATE', 'FAILED'],
    [1, 'UPDATE', 'NEW'],
  ])
})

it('a delete claimed ahead of the round that creates its record deletes that record', async () => {
  fixture = await syncFixture(db(), [unkeyed], { tuning: { push: { claimSize: 200 } } })
  await sql(
    `INSERT INTO $schema.account (name) SELECT 'Plain ' || g FROM generate_series(1, 300) g`,
  )
  // Row 1 is created by the first round; its delete is in the batch claimed while that round runs.
  await sql(`DELETE FROM $schema.account WHERE id = 1`)
  await fixture.engine.syncOnce()
  const names = fixture.org.all('Account').map((r) => r.Name)
  expect(names).toHaveLength(299)
  expect(names).not.toContain('Plain 1')
  expect(await fixture.log()).toEqual([])
})

it('a delete of a row whose create committed its sfid after the row was gone deletes the record', async () => {
  fixture = await syncFixture(db(), [unkeyed], { tuning: { push: { claimSize: 200 } } })
  await sql(
    `INSERT INTO $schema.account (name) SELECT 'Plain ' || g FROM generate_series(1, 500) g`,
  )
  // Row 1 is created by the first round, after the app edited and deleted it (those entries have
  // no sfid, and there is no row to write the sfid to); they are claimed two rounds later.
  await sql(`UPDATE $schema.account SET name = 'Edited' WHERE id = 1`)
  await sql(`DELETE FROM $schema.account WHERE id = 1`)
  await fixture.engine.syncOnce()
  const names = fixture.org.all('Account').map((r) => r.Name)
  expect(names).toHaveLength(499)
  expect(names).not.toContain('Plain 1')
  expect(names).not.toContain('Edited')
  expect(await fixture.log()).toEqual([])
})

it('a change claimed ahead is not sent while the round before may still give back its earlier change', async () => {
  fixture = await twoEditsAcrossRounds()
  // The commit of the first round (row 1's 'first' among them) fails for good: an app trigger
  // refuses it. 'second', claimed while that round ran, must not go out meanwhile.
  await sql(`CREATE FUNCTION $schema.refuse_row_1() RETURNS trigger LANGUAGE plpgsql AS $f$
               BEGIN
                 IF NEW.id = 1 AND NEW._hc_lastop = 'UPDATED' THEN RAISE EXCEPTION 'refused'; END IF;
                 RETURN NEW;
               END $f$`)
  await sql(`CREATE TRIGGER refuse_row_1 BEFORE UPDATE ON $schema.account
             FOR EACH ROW EXECUTE FUNCTION $schema.refuse_row_1()`)
  fixture.org.faults.setLatency(30)
  await expect(fixture.engine.syncOnce()).rejects.toThrow(/refused/)
  const [row] = await sql(`SELECT sfid FROM $schema.account WHERE id = 1`)
  const name = () => fixture?.org.all('Account').find((r) => r.Id === row?.sfid)?.Name
  expect(name()).toBe('first')
  const log = await fixture.log()
  expect(log).toHaveLength(251)
  expect(log.every((e) => e.state === 'NEW')).toBe(true)
})
