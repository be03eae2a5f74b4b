import { beforeEach, describe, expect, it } from 'vitest'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

const db = useTestDatabase()

/** The account table's indexes besides the key: `name unique|plain (column)`. */
async function indexes(): Promise<string[]> {
  const { rows } = await db().pool.query<{ line: string }>(
    `SELECT i.relname || CASE WHEN x.indisunique THEN ' unique' ELSE ' plain' END || ' (' || a.attname || ')' AS line
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
     WHERE x.indrelid = 'salesforce.account'::regclass AND NOT x.indisprimary ORDER BY 1`,
  )
  return rows.map((r) => r.line)
}

/** What pgforce before 0.3 left: a plain `hc_idx_` index on the external id, no unique one. */
async function asEarlierInstall(): Promise<void> {
  await db().pool.query(`
    DROP INDEX salesforce.hcu_idx_account_external_id__c;
    CREATE INDEX hc_idx_account_external_id__c ON salesforce.account (external_id__c);`)
}

describe('install() column indexes', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
  })

  it("creates the external id's unique index and the mapping's indexes under Heroku Connect's names", async () => {
    const plan = planAccount({
      indexes: {
        Id: { unique: true },
        SystemModstamp: { unique: false },
        External_Id__c: { unique: true },
        Name: { unique: false },
        NumberOfEmployees: { unique: true },
        CreatedDate: {},
      },
    })
    const report = await install(db().pool, [plan])
    expect(report.warnings).toEqual([])
    expect(await indexes()).toEqual([
      'hc_idx_account_createddate plain (createddate)',
      'hc_idx_account_name plain (name)',
      'hc_idx_account_systemmodstamp plain (systemmodstamp)',
      'hcu_idx_account_external_id__c unique (external_id__c)',
      'hcu_idx_account_numberofemployees unique (numberofemployees)',
      'hcu_idx_account_sfid unique (sfid)',
    ])
    // The unique index holds: a second row with the same external id is refused.
    await db().pool.query(
      `INSERT INTO salesforce.account (name, external_id__c) VALUES ('A', 'X-1')`,
    )
    await expect(
      db().pool.query(`INSERT INTO salesforce.account (name, external_id__c) VALUES ('B', 'X-1')`),
    ).rejects.toMatchObject({ code: '23505' })
  })

  it("upgrades an earlier install's plain external id index to Heroku Connect's unique one", async () => {
    await install(db().pool, [planAccount()])
    await asEarlierInstall()
    await db().pool.query(
      `INSERT INTO salesforce.account (name, external_id__c) VALUES ('A', 'X-1'), ('B', 'X-2'), ('C', NULL), ('D', NULL)`,
    )
    const report = await install(db().pool, [planAccount()])
    expect(report.warnings).toEqual([])
    expect(await indexes()).toEqual([
      'hc_idx_account_systemmodstamp plain (systemmodstamp)',
      'hcu_idx_account_external_id__c unique (external_id__c)',
      'hcu_idx_account_sfid unique (sfid)',
    ])
  })

  it('keeps a plain index and reports duplicates instead of failing, and makes it unique once they are gone', async () => {
    await install(db().pool, [planAccount()])
    await asEarlierInstall()
    await db().pool.query(
      `INSERT INTO salesforce.account (name, external_id__c) VALUES ('A', 'X-1'), ('B', 'X-1'), ('C', 'X-2')`,
    )
    const report = await install(db().pool, [planAccount()])
    expect(report.warnings).toEqual([
      'account.external_id__c holds duplicate values ("X-1" (2 rows)): unique index hcu_idx_account_external_id__c not created, plain index hc_idx_account_external_id__c stands in; remove the duplicates and run install() again',
    ])
    expect(await indexes()).toEqual([
      'hc_idx_account_external_id__c plain (external_id__c)',
      'hc_idx_account_systemmodstamp plain (systemmodstamp)',
      'hcu_idx_account_sfid unique (sfid)',
    ])

    await db().pool.query(`UPDATE salesforce.account SET external_id__c = 'X-3' WHERE name = 'B'`)
    const again = await install(db().pool, [planAccount()])
    expect(again.warnings).toEqual([])
    expect(await indexes()).toContain('hcu_idx_account_external_id__c unique (external_id__c)')
    expect(await indexes()).not.toContain('hc_idx_account_external_id__c plain (external_id__c)')
  })
})
