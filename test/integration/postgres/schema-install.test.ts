import pg from 'pg'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SCHEMA_VERSION } from '../../../src/postgres/install/migrations.js'
import { Doorbell } from '../../../src/store/doorbell.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'
import { catalog, install, type LogRow, planAccount, triggerLog } from './install-helpers.js'

const db = useTestDatabase()

async function reset() {
  await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
}

describe('install()', () => {
  beforeAll(reset)

  it('creates the Heroku Connect layout and is idempotent', async () => {
    const { pool } = db()
    const first = await install(pool, [planAccount()])
    expect(first.fromVersion).toBe(0)
    expect(first.createdTables).toEqual(
      expect.arrayContaining([
        'account',
        '_trigger_log',
        '_trigger_log_archive',
        '_hcmeta',
        '_sf_event_log',
      ]),
    )
    const before = await catalog(pool)
    const second = await install(pool, [planAccount()])
    expect(second).toMatchObject({
      fromVersion: SCHEMA_VERSION,
      toVersion: SCHEMA_VERSION,
      createdTables: [],
      addedColumns: [],
    })
    expect(await catalog(pool)).toEqual(before)
  })

  it('installing again does not wait for a long read of a mapped table', async () => {
    const { pool } = db()
    await install(pool, [planAccount()])
    // A report reads the table in a long transaction (it holds the table's weakest lock).
    const report = await pool.connect()
    try {
      await report.query('BEGIN')
      await report.query('SELECT count(*) FROM salesforce.account')
      const outcome = await Promise.race([
        install(pool, [planAccount()]).then(() => 'installed'),
        new Promise((resolve) => setTimeout(() => resolve('waiting for the report'), 5_000)),
      ])
      expect(outcome).toBe('installed')
    } finally {
      await report.query('ROLLBACK')
      report.release()
    }
  })

  it('installs of different schemas at once in one database all succeed', async () => {
    // They share public.get_xmlbinary() and the hstore extension: replacing one function from two
    // transactions at once fails with "tuple concurrently updated" unless installs take turns.
    const { pool } = db()
    const schemas = ['parallel_a', 'parallel_b', 'parallel_c', 'parallel_d']
    const reports = await Promise.all(
      schemas.map((schema) => install(pool, [planAccount()], schema)),
    )
    expect(reports.map((r) => r.toVersion)).toEqual(schemas.map(() => SCHEMA_VERSION))
    for (const schema of schemas) await pool.query(`DROP SCHEMA ${schema} CASCADE`)
  })

  it('gives mapped tables the system columns and Heroku Connect index names', async () => {
    const { rows: columns } = await db().pool.query(
      `SELECT column_name, data_type, character_maximum_length AS len FROM information_schema.columns
       WHERE table_schema = 'salesforce' AND table_name = 'account' ORDER BY ordinal_position`,
    )
    expect(columns.map((c) => [c.column_name, c.data_type, c.len])).toEqual([
      ['id', 'integer', null],
      ['sfid', 'character varying', 18],
      ['systemmodstamp', 'timestamp without time zone', null],
      ['isdeleted', 'boolean', null],
      ['createddate', 'timestamp without time zone', null],
      ['name', 'character varying', 255],
      ['industry', 'character varying', 255],
      ['annualrevenue', 'double precision', null],
      ['numberofemployees', 'integer', null],
      ['external_id__c', 'character varying', 255],
      ['_hc_lastop', 'character varying', 32],
      ['_hc_err', 'text', null],
    ])
    const { rows: indexes } = await db().pool.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'salesforce' AND tablename = 'account' ORDER BY 1`,
    )
    expect(indexes.map((i) => i.indexname)).toEqual([
      'account_pkey',
      'hc_idx_account_systemmodstamp',
      'hcu_idx_account_external_id__c',
      'hcu_idx_account_sfid',
    ])
  })

  it("gives _trigger_log and its archive Heroku Connect's columns", async () => {
    for (const table of ['_trigger_log', '_trigger_log_archive']) {
      const { rows } = await db().pool.query(
        `SELECT column_name, data_type, character_maximum_length AS len FROM information_schema.columns
         WHERE table_schema = 'salesforce' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      )
      expect(rows.map((c) => [c.column_name, c.data_type, c.len])).toEqual([
        ['id', 'bigint', null],
        ['txid', 'bigint', null],
        ['created_at', 'timestamp with time zone', null],
        ['updated_at', 'timestamp with time zone', null],
        ['processed_at', 'timestamp with time zone', null],
        ['processed_tx', 'bigint', null],
        ['state', 'character varying', 8],
        ['action', 'character varying', 7],
        ['table_name', 'character varying', 128],
        ['record_id', 'integer', null],
        ['sfid', 'character varying', 18],
        ['old', 'text', null],
        ['values', 'text', null],
        ['sf_result', 'integer', null],
        ['sf_message', 'text', null],
      ])
    }
  })

  it('adds a column when a field is added, keeping the rows', async () => {
    const { pool } = db()
    await pool.query(`INSERT INTO salesforce.account (name) VALUES ('kept')`)
    const report = await install(pool, [
      planAccount({
        fields: ['Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'Description'],
      }),
    ])
    expect(report.addedColumns).toEqual(['account.description'])
    const { rows } = await pool.query('SELECT name, description FROM salesforce.account')
    expect(rows).toEqual([{ name: 'kept', description: null }])
  })

  it('asks the next pulls to load a column added to a table with synced rows', async () => {
    const { pool } = db()
    await pool.query(
      `INSERT INTO salesforce.account (name, sfid) VALUES ('synced', '001000000000001AAA')`,
    )
    const fields = ['Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'Description']
    await install(pool, [planAccount({ fields: [...fields, 'Plain__c'] })])
    const { rows } = await pool.query(
      'SELECT table_name, column_name, last_id FROM salesforce._pgforce_backfill',
    )
    expect(rows).toEqual([{ table_name: 'account', column_name: 'plain__c', last_id: null }])
  })

  it('keeps the column of a field removed from the mapping, and no longer captures it', async () => {
    const { pool } = db()
    await install(pool, [planAccount({ fields: ['Name', 'AnnualRevenue', 'Plain__c'] })])
    await pool.query(`BEGIN; SET LOCAL xmlbinary = 'hex';
      UPDATE salesforce.account SET _hc_lastop = 'SYNCED' WHERE name = 'synced'; COMMIT`)
    await pool.query('TRUNCATE salesforce._trigger_log')
    await pool.query(`UPDATE salesforce.account SET industry = 'Energy' WHERE name = 'synced'`)
    expect(await triggerLog(pool)).toEqual([])
    const { rows } = await pool.query(
      `SELECT industry, _hc_lastop FROM salesforce.account WHERE name = 'synced'`,
    )
    expect(rows).toEqual([{ industry: 'Energy', _hc_lastop: 'SYNCED' }])
  })
})

describe('capture triggers', () => {
  const SENTINEL = 'salesforce.hc_trigger_log:sentinel'
  /**
   * Sends a last notification on the channel and waits for it: Postgres delivers notifications in
   * commit order, so once it is in, every notification of the transactions before it is too.
   */
  const allNotified = async (pool: pg.Pool, notes: string[]) => {
    await pool.query(`NOTIFY "salesforce.hc_trigger_log", 'sentinel'`)
    await waitFor(() => notes.includes(SENTINEL), 10_000, 'the sentinel notification')
  }
  const listener = () => {
    const client = new pg.Client({ connectionString: db().url })
    const notes: string[] = []
    client.on('notification', (n) => notes.push(`${n.channel}:${n.payload}`))
    return { client, notes }
  }

  beforeAll(async () => {
    await reset()
    await install(db().pool, [planAccount()])
  })
  afterEach(async () => {
    await db().pool.query('TRUNCATE salesforce._trigger_log, salesforce.account')
  })

  it('records INSERT, UPDATE (changed columns only) and DELETE, with one NOTIFY per transaction', async () => {
    const { pool } = db()
    const { client, notes } = listener()
    await client.connect()
    await client.query('LISTEN "salesforce.hc_trigger_log"')
    // As an engine that LISTENs does: writers notify only while one says it does.
    expect(await new Doorbell(pool, 'salesforce').release()).toBe(true)
    try {
      await pool.query(`BEGIN;
        INSERT INTO salesforce.account (name, industry, annualrevenue) VALUES ('Acme', 'Energy', 10.5), ('Beta', NULL, NULL);
        COMMIT;`)
      const { rows } = await pool.query<{ id: number }>(
        `SELECT id FROM salesforce.account WHERE name = 'Acme'`,
      )
      const id = rows[0]?.id
      await pool.query(
        `UPDATE salesforce.account SET industry = 'Banking', sfid = '001000000000001AAA' WHERE id = $1`,
        [id],
      )
      await pool.query('DELETE FROM salesforce.account WHERE id = $1', [id])
      await allNotified(pool, notes)
      const log = await triggerLog(pool)
      expect(log.map((l: LogRow) => [l.action, l.state, l.table_name])).toEqual([
        ['INSERT', 'NEW', 'account'],
        ['INSERT', 'NEW', 'account'],
        ['UPDATE', 'NEW', 'account'],
        ['DELETE', 'NEW', 'account'],
      ])
      expect(log[0]?.values).toBe(
        '"name"=>"Acme", "industry"=>"Energy", "annualrevenue"=>"10.5", "external_id__c"=>NULL, "numberofemployees"=>NULL',
      )
      expect(log[2]?.values).toBe('"industry"=>"Banking"')
      // Heroku Connect's `old`: the changed columns' previous values.
      expect(log[2]?.old).toBe('"industry"=>"Energy"')
      expect(log[3]).toMatchObject({ record_id: id, sfid: '001000000000001AAA', values: null })
      expect(notes).toEqual([
        'salesforce.hc_trigger_log:ping',
        'salesforce.hc_trigger_log:ping',
        'salesforce.hc_trigger_log:ping',
        SENTINEL,
      ])
    } finally {
      await client.end()
    }
  })

  it('marks user inserts and edits PENDING and clears _hc_err; a FAILED row stays FAILED', async () => {
    const { pool } = db()
    const inserted = await pool.query(
      `INSERT INTO salesforce.account (name) VALUES ('x') RETURNING id, _hc_lastop`,
    )
    expect(inserted.rows[0]?._hc_lastop).toBe('PENDING')
    const id = Number(inserted.rows[0]?.id)
    const engineSets = (lastop: string) =>
      pool.query(`BEGIN; SET LOCAL xmlbinary = 'hex';
        UPDATE salesforce.account SET _hc_lastop = '${lastop}', _hc_err = '{"statusCode":"X"}' WHERE id = ${id}; COMMIT`)
    const edit = async (name: string) =>
      (
        await pool.query(
          `UPDATE salesforce.account SET name = $2 WHERE id = $1 RETURNING _hc_lastop, _hc_err`,
          [id, name],
        )
      ).rows[0]
    await engineSets('UPDATED')
    expect(await edit('edited')).toEqual({ _hc_lastop: 'PENDING', _hc_err: null })
    // An edit waits behind a failed change of its record: the failure stays visible until
    // retryFailed() or ignoreFailed().
    await engineSets('FAILED')
    expect(await edit('fixed')).toEqual({ _hc_lastop: 'FAILED', _hc_err: '{"statusCode":"X"}' })
  })

  it('records nothing for an UPDATE that changes nothing', async () => {
    const { pool } = db()
    await pool.query(`INSERT INTO salesforce.account (name) VALUES ('same')`)
    await pool.query(`UPDATE salesforce.account SET name = 'same'`)
    expect((await triggerLog(pool)).map((l) => l.action)).toEqual(['INSERT'])
  })

  it("records nothing for the engine's own writes (SET LOCAL xmlbinary = 'hex')", async () => {
    const { pool } = db()
    const { client, notes } = listener()
    await client.connect()
    await client.query('LISTEN "salesforce.hc_trigger_log"')
    try {
      await pool.query(`BEGIN; SET LOCAL xmlbinary = 'hex';
        INSERT INTO salesforce.account (name, _hc_lastop) VALUES ('from sf', 'SYNCED');
        UPDATE salesforce.account SET industry = 'Energy';
        DELETE FROM salesforce.account;
        COMMIT;`)
      await allNotified(pool, notes)
      expect(await triggerLog(pool)).toEqual([])
      expect(notes).toEqual([SENTINEL])
      const { rows } = await pool.query(`SHOW xmlbinary`)
      expect(rows[0]?.xmlbinary).toBe('base64')
    } finally {
      await client.end()
    }
  })

  it('records READONLY entries on read-only mappings', async () => {
    const { pool } = db()
    await install(pool, [
      planAccount({ access: 'read_only', table: 'account_ro', externalId: undefined }),
    ])
    await pool.query(`INSERT INTO salesforce.account_ro (name) VALUES ('local')`)
    const log = await triggerLog(pool)
    expect(log.map((l) => [l.action, l.state, l.table_name])).toEqual([
      ['INSERT', 'READONLY', 'account_ro'],
    ])
    const { rows } = await pool.query('SELECT _hc_lastop FROM salesforce.account_ro')
    expect(rows[0]?._hc_lastop).toBeNull()
  })
})
