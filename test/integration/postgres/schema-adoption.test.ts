import { beforeEach, describe, expect, it } from 'vitest'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { SchemaInstaller } from '../../../src/postgres/install/schema-installer.js'
import { parseHstore } from '../../../src/postgres/parse-hstore.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount, triggerLog } from './install-helpers.js'

const db = useTestDatabase()

describe('install() over an existing schema', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
  })

  it('adopts a Heroku Connect schema without losing rows or failed entries', async () => {
    const { pool } = db()
    // The shape of a real Heroku Connect schema (public pg_dumps): integer ids, no pgforce tables.
    await pool.query(`
      CREATE EXTENSION IF NOT EXISTS hstore;
      CREATE SCHEMA salesforce;
      CREATE TABLE salesforce.account (id serial PRIMARY KEY, sfid varchar(18), systemmodstamp timestamp,
        isdeleted boolean, createddate timestamp, name varchar(255), _hc_lastop varchar(32), _hc_err text);
      CREATE UNIQUE INDEX hcu_idx_account_sfid ON salesforce.account (sfid);
      CREATE TABLE salesforce._trigger_log (id serial PRIMARY KEY, txid bigint, created_at timestamptz DEFAULT now(),
        updated_at timestamptz DEFAULT now(), processed_at timestamptz, processed_tx bigint, state varchar(8),
        action varchar(7), table_name varchar(128), record_id integer, sfid varchar(18), old text, "values" text,
        sf_result integer, sf_message text);
      CREATE TABLE salesforce._hcmeta (id serial PRIMARY KEY, hcver integer, org_id varchar(50), details text);
      INSERT INTO salesforce._hcmeta (hcver, org_id) VALUES (12, '00D000000000001AAA');
      INSERT INTO salesforce.account (sfid, name, _hc_lastop) VALUES ('001000000000001AAA', 'From HC', 'SYNCED');
      INSERT INTO salesforce._trigger_log (state, action, table_name, record_id, sf_message)
        VALUES ('FAILED', 'UPDATE', 'account', 1, 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    `)
    const report = await install(pool, [planAccount()])
    expect(report.fromVersion).toBe(0)
    // Heroku Connect went on after a failure; pgforce holds the record's later changes behind it.
    expect(report.warnings).toContainEqual(
      expect.stringMatching(/^1 record\(s\) of account have a FAILED entry Heroku Connect left/),
    )
    expect(report.createdTables).not.toContain('account')
    expect(report.addedColumns).toEqual([
      'account.annualrevenue',
      'account.external_id__c',
      'account.industry',
      'account.numberofemployees',
    ])
    const { rows } = await pool.query('SELECT sfid, name, _hc_lastop FROM salesforce.account')
    expect(rows).toEqual([{ sfid: '001000000000001AAA', name: 'From HC', _hc_lastop: 'SYNCED' }])
    const { rows: meta } = await pool.query('SELECT hcver, org_id FROM salesforce._hcmeta')
    expect(meta).toEqual([{ hcver: 12, org_id: '00D000000000001AAA' }])
    expect((await triggerLog(pool)).map((l) => l.state)).toEqual(['FAILED'])
    await pool.query(`UPDATE salesforce.account SET name = 'edited'`)
    expect((await triggerLog(pool)).map((l) => [l.action, l.state, l.values])).toEqual([
      ['UPDATE', 'FAILED', null],
      ['UPDATE', 'NEW', '"name"=>"edited"'],
    ])
  })

  it('quotes every identifier: odd schema, table and column names cannot break a statement', async () => {
    const { pool } = db()
    const plan = planAccount()
    const odd: MappingSchema = {
      ...plan,
      mapping: { ...plan.mapping, table: `we"ird table` },
      columns: plan.columns.map((c) => (c.column === 'name' ? { ...c, column: `na"me; drop` } : c)),
      writableColumns: plan.writableColumns.map((c) =>
        c.column === 'name' ? { ...c, column: `na"me; drop` } : c,
      ),
    }
    const schema = `sales "force`
    await new SchemaInstaller(pool, schema).install([odd])
    await new SchemaInstaller(pool, schema).install([odd])
    await pool.query(
      `INSERT INTO "sales ""force"."we""ird table" ("na""me; drop") VALUES ('it works')`,
    )
    const { rows } = await pool.query(`SELECT action, "values" FROM "sales ""force"._trigger_log`)
    expect(rows.map((r) => [r.action, parseHstore(r.values)[`na"me; drop`]])).toEqual([
      ['INSERT', 'it works'],
    ])
    await pool.query(`DROP SCHEMA "sales ""force" CASCADE`)
  })
})
