import { beforeEach, describe, expect, it } from 'vitest'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount, triggerLog } from './install-helpers.js'

// Heroku Connect's hc_capture_insert_from_row / hc_capture_update_from_row, called as
// django-heroku-connect's redo() calls them: hstore(<table>.*), the table name, a column list.
const db = useTestDatabase()
const fields = ['Name', 'Industry', 'AnnualRevenue', 'Renewal_At__c', 'Signed_On__c', 'Formula__c']

async function insertRow(): Promise<number> {
  const { rows } = await db().pool.query<{ id: number }>(
    `INSERT INTO salesforce.account (name, industry, annualrevenue, renewal_at__c, signed_on__c, formula__c, sfid)
     VALUES ('Acme', 'Energy', 10.5, '2026-03-01 08:30:00.250', '2026-02-28', 'computed', '001000000000001AAA')
     RETURNING id`,
  )
  return rows[0]?.id as number
}

const insertFromRow = (id: number, excluded: string[] = []) =>
  db().pool.query<{ entry: number | null }>(
    `SELECT salesforce.hc_capture_insert_from_row(hstore(a.*), 'account', $2::text[]) AS entry
     FROM salesforce.account AS a WHERE a.id = $1`,
    [id, excluded],
  )

describe("Heroku Connect's capture helper functions", () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
  })

  it('record an INSERT as the capture trigger records it, minus the excluded columns', async () => {
    await install(db().pool, [planAccount({ fields })])
    const id = await insertRow()
    const { rows } = await insertFromRow(id)
    const { rows: excluded } = await insertFromRow(id, ['industry', 'annualrevenue'])
    const log = await triggerLog(db().pool)
    expect(log).toHaveLength(3)
    const [byTrigger, byHelper, withExclusions] = log
    // The same entry the trigger wrote for the app's insert: writable columns only (no id, sfid,
    // system or formula column), timestamps as UTC ISO instants.
    expect(byHelper).toEqual({ ...byTrigger, sfid: null })
    expect(byHelper?.values).toBe(
      '"name"=>"Acme", "industry"=>"Energy", "signed_on__c"=>"2026-02-28", "annualrevenue"=>"10.5", "renewal_at__c"=>"2026-03-01T08:30:00.250Z", "external_id__c"=>NULL',
    )
    expect(withExclusions?.values).toBe(
      '"name"=>"Acme", "signed_on__c"=>"2026-02-28", "renewal_at__c"=>"2026-03-01T08:30:00.250Z", "external_id__c"=>NULL',
    )
    const { rows: ids } = await db().pool.query<{ id: number }>(
      'SELECT id::int FROM salesforce._trigger_log ORDER BY id',
    )
    expect([rows[0]?.entry, excluded[0]?.entry]).toEqual([ids[1]?.id, ids[2]?.id])
  })

  it('record an UPDATE of the given columns (all of them by default), with the sfid and no old', async () => {
    await install(db().pool, [planAccount({ fields })])
    const id = await insertRow()
    await db().pool.query('DELETE FROM salesforce._trigger_log')
    await db().pool.query(
      `SELECT salesforce.hc_capture_update_from_row(hstore(a.*), 'account', ARRAY['industry', 'formula__c'])
       FROM salesforce.account AS a WHERE a.id = $1`,
      [id],
    )
    await db().pool.query(
      `SELECT salesforce.hc_capture_update_from_row(hstore(a.*), 'account') FROM salesforce.account AS a WHERE a.id = $1`,
      [id],
    )
    // hstore(a.*) prints timestamps in the session's DateStyle; the entry holds UTC ISO instants.
    const client = await db().pool.connect()
    try {
      await client.query(`SET DateStyle = 'SQL, DMY'`)
      await client.query(
        `SELECT salesforce.hc_capture_update_from_row(hstore(a.*), 'account', ARRAY['renewal_at__c', 'signed_on__c'])
         FROM salesforce.account AS a WHERE a.id = $1`,
        [id],
      )
      await client.query('RESET DateStyle')
    } finally {
      client.release()
    }
    const log = await triggerLog(db().pool)
    expect(log.map((l) => [l.action, l.state, l.record_id, l.sfid, l.values, l.old])).toEqual([
      ['UPDATE', 'NEW', id, '001000000000001AAA', '"industry"=>"Energy"', null],
      [
        'UPDATE',
        'NEW',
        id,
        '001000000000001AAA',
        '"name"=>"Acme", "industry"=>"Energy", "signed_on__c"=>"2026-02-28", "annualrevenue"=>"10.5", "renewal_at__c"=>"2026-03-01T08:30:00.250Z", "external_id__c"=>NULL',
        null,
      ],
      [
        'UPDATE',
        'NEW',
        id,
        '001000000000001AAA',
        '"signed_on__c"=>"2026-02-28", "renewal_at__c"=>"2026-03-01T08:30:00.250Z"',
        null,
      ],
    ])
  })

  it("are gated as the trigger is: nothing in the engine's sessions, READONLY on read-only mappings", async () => {
    await install(db().pool, [planAccount({ fields, access: 'read_only' })])
    const id = await insertRow()
    await db().pool.query('DELETE FROM salesforce._trigger_log')
    const client = await db().pool.connect()
    try {
      await client.query(`BEGIN; SET LOCAL xmlbinary = 'hex'`)
      const { rows } = await client.query(
        `SELECT salesforce.hc_capture_insert_from_row(hstore(a.*), 'account') AS entry FROM salesforce.account AS a`,
      )
      await client.query('COMMIT')
      expect(rows).toEqual([{ entry: null }])
    } finally {
      client.release()
    }
    expect(await triggerLog(db().pool)).toEqual([])
    await insertFromRow(id)
    expect((await triggerLog(db().pool)).map((l) => l.state)).toEqual(['READONLY'])
  })

  it('return NULL for a row without an id, and refuse a table that is not mapped', async () => {
    await install(db().pool, [planAccount({ fields })])
    const { rows } = await db().pool.query(
      `SELECT salesforce.hc_capture_insert_from_row(hstore(ARRAY['name'], ARRAY['Acme']), 'account') AS entry`,
    )
    expect(rows).toEqual([{ entry: null }])
    await expect(
      db().pool.query(
        `SELECT salesforce.hc_capture_update_from_row(hstore(ARRAY['id'], ARRAY['1']), 'contact')`,
      ),
    ).rejects.toMatchObject({
      code: '42P01',
      message: expect.stringMatching(/contact is not a mapped table/),
    })
  })

  it("replace Heroku Connect's own when adopting its schema", async () => {
    await db().pool.query(`
      CREATE EXTENSION IF NOT EXISTS hstore;
      CREATE SCHEMA salesforce;
      CREATE FUNCTION salesforce.hc_capture_insert_from_row(source_row hstore, table_name character varying,
        excluded_cols text[] DEFAULT ARRAY[]::text[]) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN -1; END $$;
      CREATE FUNCTION salesforce.hc_capture_update_from_row(source_row hstore, table_name character varying,
        columns_to_include text[] DEFAULT ARRAY[]::text[]) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN -1; END $$;`)
    await install(db().pool, [planAccount({ fields })])
    const id = await insertRow()
    const { rows } = await insertFromRow(id)
    expect(rows[0]?.entry).toBeGreaterThan(0)
    expect((await triggerLog(db().pool)).map((l) => l.action)).toEqual(['INSERT', 'INSERT'])
  })
})
