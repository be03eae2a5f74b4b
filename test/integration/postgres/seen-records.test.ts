import { beforeEach, describe, expect, it } from 'vitest'
import { SeenRecordStore } from '../../../src/store/seen-records.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

const db = useTestDatabase()
const ids = Array.from({ length: 6 }, (_, i) => `001000000000${String(i).padStart(3, '0')}AAA`)
const cutoff = '2030-01-01T00:00:00Z'

async function rows(): Promise<string[]> {
  const { rows } = await db().pool.query<{ sfid: string }>(
    'SELECT sfid FROM salesforce.account ORDER BY sfid',
  )
  return rows.map((r) => r.sfid)
}

describe('what reloads have seen (_pgforce_seen)', () => {
  beforeEach(async () => {
    await db().pool.query('DROP SCHEMA IF EXISTS salesforce CASCADE')
    await install(db().pool, [planAccount()])
    await db().pool.query(
      `INSERT INTO salesforce.account (sfid, name, systemmodstamp)
       SELECT unnest($1::varchar[]), 'n', '2026-01-01'`,
      [ids],
    )
  })

  it('two reloads of one table at once each keep to what they read', async () => {
    const seen = new SeenRecordStore(db().pool, 'salesforce')
    const a = await seen.begin('account')
    await seen.add('account', a, ids.slice(0, 3))
    const b = await seen.begin('account') // before, this wiped what reload a had seen
    await seen.add('account', b, ids)
    await seen.add('account', a, ids.slice(3))
    expect(await seen.removeUnseen('account', a, 'hard', cutoff)).toBe(0)
    expect(await seen.removeUnseen('account', b, 'hard', cutoff)).toBe(0)
    expect(await rows()).toEqual(ids)
  })

  it('a reload removes the rows of records it did not see, and rows not read back stay', async () => {
    await db().pool.query(
      `INSERT INTO salesforce.account (sfid, name) VALUES ('001000000000099AAA', 'pushed')`,
    )
    const seen = new SeenRecordStore(db().pool, 'salesforce')
    const reload = await seen.begin('account')
    await seen.add('account', reload, ids.slice(0, 4))
    expect(await seen.removeUnseen('account', reload, 'hard', cutoff)).toBe(2)
    expect(await rows()).toEqual([...ids.slice(0, 4), '001000000000099AAA'])
  })

  it('takes over the table an earlier version made (no reload id), forgetting its rows', async () => {
    await db().pool.query(
      `CREATE UNLOGGED TABLE salesforce._pgforce_seen (table_name varchar(128) NOT NULL, sfid varchar(18) NOT NULL);
       INSERT INTO salesforce._pgforce_seen VALUES ('account', '001000000000000AAA')`,
    )
    const seen = new SeenRecordStore(db().pool, 'salesforce')
    const reload = await seen.begin('account')
    await seen.add('account', reload, ids.slice(1))
    expect(await seen.removeUnseen('account', reload, 'hard', cutoff)).toBe(1)
    expect(await rows()).toEqual(ids.slice(1))
    expect(await seen.begin('account')).toMatch(/^[0-9a-f-]{36}$/) // the columns are there now
  })
})
