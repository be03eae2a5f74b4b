import { beforeEach, describe, expect, it } from 'vitest'
import {
  describeTableObjects,
  missingTableObjects,
} from '../../../src/postgres/install/installed-objects.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

const db = useTestDatabase()

describe('install() checks what it created', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
  })

  it('lists the triggers, functions and indexes a schema lacks', async () => {
    const { pool } = db()
    const plan = planAccount()
    await install(pool, [plan])
    expect(await missingTableObjects(pool, 'salesforce', [plan])).toEqual([])
    await pool.query(`
      DROP TRIGGER hc_account_logtrigger ON salesforce.account;
      DROP INDEX salesforce.hcu_idx_account_sfid;
      CREATE INDEX hcu_idx_account_sfid ON salesforce.account (sfid);`)
    const missing = await missingTableObjects(pool, 'salesforce', [plan])
    expect(describeTableObjects(missing)).toBe(
      'account: trigger hc_account_logtrigger running hc_account_logger(); account: unique index hcu_idx_account_sfid on (sfid)',
    )
  })

  it('fails, changing nothing, when an object of the same name on another table stops one being created', async () => {
    const { pool } = db()
    await install(pool, [planAccount()])
    // An old table kept aside keeps its index names: a new table's would be skipped.
    await pool.query('ALTER TABLE salesforce.account RENAME TO account_old')
    const failure = install(pool, [planAccount()])
    await expect(failure).rejects.toMatchObject({ code: 'POSTGRES' })
    await expect(failure).rejects.toThrow(
      /missing.*account: unique index hcu_idx_account_sfid on \(sfid\); account: index hc_idx_account_systemmodstamp on \(systemmodstamp\); account: unique index hcu_idx_account_external_id__c on \(external_id__c\)$/,
    )
    const { rows } = await pool.query(`SELECT to_regclass('salesforce.account') AS t`)
    expect(rows).toEqual([{ t: null }])
  })
})
