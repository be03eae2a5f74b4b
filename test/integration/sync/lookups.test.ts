import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { BulkWriteStrategy } from '../../../src/strategies/bulk-write-strategy.js'
import { MergedWriteStrategy } from '../../../src/strategies/merged-write-strategy.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  externalId: 'External_Id__c',
})
// Listed first on purpose: the engine must push the parent mapping first anyway.
const contact = defineMapping({
  object: 'Contact',
  access: 'read_write',
  fields: ['LastName', 'AccountId', 'Account.External_Id__c'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

const insertBoth = `BEGIN;
  INSERT INTO $schema.account (name, external_id__c) VALUES ($NAME, 'A-1');
  INSERT INTO $schema.contact (lastname, external_id__c, account__r__external_id__c) VALUES ('Smith', 'C-1', 'A-1');
  COMMIT;`

describe('lookups by external id (<lookup>__r__<externalid> columns)', () => {
  it('links a child to a parent inserted in the same transaction', async () => {
    fixture = await syncFixture(db(), [contact, account])
    await sql(insertBoth.replace('$NAME', `'Acme'`))
    const report = await fixture.engine.syncOnce()
    expect(report.pushes.map((p) => [p.mapping, p.succeeded, p.failed])).toEqual([
      ['Account', 1, 0],
      ['Contact', 1, 0],
    ])
    const [accountRow] = await fixture.rows('account', 'sfid')
    const [contactRow] = await fixture.rows('contact', 'sfid')
    expect(fixture.org.get(contactRow?.sfid as string)?.AccountId).toBe(accountRow?.sfid)
    // The pass read the contact back: the lookup Id is filled, the external id column kept.
    const [pulled] = await fixture.rows('contact', 'accountid, account__r__external_id__c')
    expect(pulled).toEqual({ accountid: accountRow?.sfid, account__r__external_id__c: 'A-1' })
  })

  it('pulls the parent external id of records created in Salesforce', async () => {
    fixture = await syncFixture(db(), [account, contact])
    const [accountId] = fixture.org.insert('Account', [{ Name: 'Org', External_Id__c: 'A-9' }])
    fixture.org.insert('Contact', [
      { LastName: 'Orphan' },
      { LastName: 'Linked', AccountId: accountId },
    ])
    await fixture.engine.syncOnce()
    const rows = await sql(
      'SELECT lastname, account__r__external_id__c AS ext FROM $schema.contact ORDER BY lastname',
    )
    expect(rows).toEqual([
      { lastname: 'Linked', ext: 'A-9' },
      { lastname: 'Orphan', ext: null },
    ])
  })

  it('holds a child back while its parent failed, and sends it once the parent is fixed', async () => {
    fixture = await syncFixture(db(), [account, contact])
    await sql(insertBoth.replace('$NAME', 'NULL')) // Account.Name is required: the parent fails
    const report = await fixture.engine.syncOnce()
    expect(report.pushes.map((p) => [p.mapping, p.failed, p.heldBack])).toEqual([
      ['Account', 1, 0],
      ['Contact', 0, 1],
    ])
    expect((await fixture.log()).map((l) => [l.action, l.state])).toEqual([
      ['INSERT', 'FAILED'],
      ['INSERT', 'NEW'],
    ])
    await sql(`UPDATE $schema.account SET name = 'Fixed'`)
    await fixture.engine.retryFailed()
    const sent = await fixture.engine.syncOnce()
    expect(sent.pushes.find((p) => p.mapping === 'Contact')).toMatchObject({
      succeeded: 1,
      failed: 0,
      heldBack: 0,
    })
    // The contact's AccountId, which Salesforce resolved, was read back: the row is SYNCED.
    const [contactRow] = await fixture.rows('contact', 'sfid, accountid, _hc_lastop')
    const [accountRow] = await fixture.rows('account', 'sfid')
    expect(contactRow).toMatchObject({ accountid: accountRow?.sfid, _hc_lastop: 'SYNCED' })
    expect(fixture.org.get(contactRow?.sfid as string)?.AccountId).toBe(accountRow?.sfid)
  })

  it('a running engine sends the child as soon as its parent lands', async () => {
    fixture = await syncFixture(db(), [contact, account], {
      sources: [new PostgresNotifySource({ debounceMs: 5 })],
    })
    await fixture.engine.start()
    await sql(insertBoth.replace('$NAME', `'Acme'`))
    await waitFor(async () => {
      const [row] = (await fixture?.rows('contact', 'sfid')) ?? []
      return typeof row?.sfid === 'string'
    })
    const [contactRow] = await fixture.rows('contact', 'sfid')
    expect(fixture.org.get(contactRow?.sfid as string)?.AccountId).toMatch(/^001/)
    expect(await fixture.log()).toEqual([])
  })

  it.each([
    ['ordered', undefined],
    ['merged', new MergedWriteStrategy()],
    ['bulk', new BulkWriteStrategy({ threshold: 1, pollIntervalMs: 20 })],
  ])('works with the %s strategy over real jsforce and HTTP', async (_name, strategy) => {
    fixture = await syncFixture(db(), [contact, account], { writeStrategy: strategy, over: 'http' })
    await sql(insertBoth.replace('$NAME', `'Acme'`))
    await fixture.engine.syncOnce()
    const [contactRow] = await fixture.rows('contact', 'sfid')
    const [accountRow] = await fixture.rows('account', 'sfid')
    expect(fixture.org.get(contactRow?.sfid as string)?.AccountId).toBe(accountRow?.sfid)
  })
})
