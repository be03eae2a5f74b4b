import { afterEach, describe, expect, it } from 'vitest'
import type { SyncEngineOptions } from '../../../src/engine/resolve-engine-options.js'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { MergedWriteStrategy } from '../../../src/strategies/merged-write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

/**
 * A fixture (kept in `fixture` for the cleanup) whose one row, `name` with external id `key`, is
 * synced; `q` runs SQL on its schema (`$s`).
 */
async function syncedRow(name: string, key: string, options: Partial<SyncEngineOptions> = {}) {
  const f = await syncFixture(db(), [account], options)
  fixture = f
  const q = (sql: string) => db().pool.query(sql.replaceAll('$s', `"${f.connection.schema}"`))
  await q(`INSERT INTO $s.account (name, external_id__c) VALUES ('${name}', '${key}')`)
  await f.engine.syncOnce()
  return { f, q }
}

/** Two passes, the first delete meeting a locked record (retried by the second). */
async function syncTwiceWithDeleteLockedOnce(f: SyncFixture): Promise<void> {
  f.org.faults.failRecords({
    objectName: 'Account',
    operation: 'delete',
    statusCode: 'UNABLE_TO_LOCK_ROW',
  })
  await f.engine.syncOnce().catch((error: unknown) => {
    if (!(error instanceof SalesforceApiError) || !error.retryable) throw error
  })
  await f.engine.syncOnce()
}

describe('a row deleted and another inserted with its external id', () => {
  it.each([
    ['in one batch', {}],
    ['in different rounds', { tuning: { push: { claimSize: 1 } } }],
    ['merged writes', { writeStrategy: new MergedWriteStrategy() }],
  ] as const)(
    'keeps the new record when the delete has to wait (%s): the insert waits behind it',
    async (_, options) => {
      const { f, q } = await syncedRow('A', 'K', options)
      const { org } = f
      await q(`DELETE FROM $s.account WHERE name = 'A'`)
      await q(`INSERT INTO $s.account (name, external_id__c) VALUES ('B', 'K')`)
      // The delete meets a locked record once: it is retried later.
      await syncTwiceWithDeleteLockedOnce(f)
      // Salesforce: the old record deleted, one live record with key K, B's; Postgres: B's row on it.
      const live = org.all('Account').filter((r) => r.External_Id__c === 'K' && !r.IsDeleted)
      expect(live.map((r) => r.Name)).toEqual(['B'])
      const rows = await q(`SELECT name, sfid FROM $s.account`)
      expect(rows.rows).toEqual([{ name: 'B', sfid: live[0]?.Id }])
      expect((await q(`SELECT count(*)::int AS n FROM $s._trigger_log`)).rows).toEqual([{ n: 0 }])
    },
    30_000,
  )

  it('ordered: an edited row deleted, its key inserted again: the new record stays', async () => {
    const { f, q } = await syncedRow('A', 'K')
    const { org, engine } = f
    // The edit puts the delete in the row's second layer: the upsert of K must not go before it.
    await q(`UPDATE $s.account SET name = 'A edited' WHERE name = 'A'`)
    await q(`DELETE FROM $s.account WHERE name = 'A edited'`)
    await q(`INSERT INTO $s.account (name, external_id__c) VALUES ('B', 'K')`)
    await engine.syncOnce()
    await engine.syncOnce() // a pull after: the new row is not deleted as the old record's copy
    const live = org.all('Account').filter((r) => r.External_Id__c === 'K' && !r.IsDeleted)
    expect(live.map((r) => r.Name)).toEqual(['B'])
    const rows = await q(`SELECT name, sfid FROM $s.account`)
    expect(rows.rows).toEqual([{ name: 'B', sfid: live[0]?.Id }])
  }, 30_000)

  it('merged writes: the record ends as the new row, not deleted (deletes go before inserts)', async () => {
    const { f, q } = await syncedRow('A', 'K', { writeStrategy: new MergedWriteStrategy() })
    const { org, engine } = f
    await q(`DELETE FROM $s.account WHERE name = 'A'`)
    await q(`INSERT INTO $s.account (name, external_id__c) VALUES ('B', 'K')`)
    await engine.syncOnce()
    const live = org.all('Account').filter((r) => r.External_Id__c === 'K' && !r.IsDeleted)
    expect(live.map((r) => r.Name)).toEqual(['B'])
    const rows = await q(`SELECT name, sfid FROM $s.account`)
    expect(rows.rows).toEqual([{ name: 'B', sfid: live[0]?.Id }])
  }, 30_000)
})

describe('a row whose delete Salesforce refused', () => {
  it('stays deleted while the failure stands, even when the record changes in Salesforce', async () => {
    const { f, q } = await syncedRow('Parent', 'P')
    const { org, engine } = f
    const [record] = org.all('Account')
    await q(`DELETE FROM $s.account WHERE name = 'Parent'`)
    // It has child records: Salesforce refuses the delete, for good.
    org.faults.failRecords({
      objectName: 'Account',
      operation: 'delete',
      statusCode: 'DELETE_FAILED',
    })
    await engine.syncOnce()
    expect((await q(`SELECT action, state FROM $s._trigger_log`)).rows).toEqual([
      { action: 'DELETE', state: 'FAILED' },
    ])
    org.clock.advance(1000)
    org.modify('Account', String(record?.Id), { Name: 'Parent renamed' })
    await engine.syncOnce()
    // The app deleted the row; until the failure is retried or ignored, it is not brought back.
    expect((await q(`SELECT name FROM $s.account`)).rows).toEqual([])
    await engine.ignoreFailed()
    org.clock.advance(1000)
    org.modify('Account', String(record?.Id), { Name: 'Parent kept' })
    await engine.syncOnce()
    // Ignored: Salesforce keeps the record, and so does Postgres.
    expect((await q(`SELECT name FROM $s.account`)).rows).toEqual([{ name: 'Parent kept' }])
  }, 30_000)
})

describe('a row deleted and another inserted with its id', () => {
  it('merged writes: the delete that waited removes the old record, not the new row’s', async () => {
    fixture = await syncFixture(db(), [account], { writeStrategy: new MergedWriteStrategy() })
    const { org, engine, connection } = fixture
    const q = (sql: string) => db().pool.query(sql.replaceAll('$s', `"${connection.schema}"`))
    await q(`INSERT INTO $s.account (id, name) VALUES (5, 'Old')`)
    await engine.syncOnce()
    const [old] = org.all('Account')
    await q(`DELETE FROM $s.account WHERE id = 5`)
    await q(`INSERT INTO $s.account (id, name) VALUES (5, 'New')`)
    // The delete meets a locked record once: the insert goes first, creating a record of its own.
    await syncTwiceWithDeleteLockedOnce(fixture)
    const live = org.all('Account').filter((r) => !r.IsDeleted)
    expect(live.map((r) => r.Name)).toEqual(['New'])
    expect(live.map((r) => r.Id)).not.toContain(old?.Id) // the old record is the one deleted
    expect((await q(`SELECT id, name, sfid FROM $s.account`)).rows).toEqual([
      { id: 5, name: 'New', sfid: live[0]?.Id },
    ])
  }, 30_000)
})
