import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// Read-only fields on a read/write mapping, as Heroku Connect allows them: pulled like any
// field, never sent; an edit of such a column in Postgres is not a change to send, and the next
// pull of the record puts Salesforce's value back.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'CreatedById', 'LastModifiedDate'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})
const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

describe('read-only fields on a read/write mapping', () => {
  it('are pulled, never sent, and an edit of one alone is not a change', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    const [id] = org.insert('Account', [{ Name: 'Acme' }])
    await engine.syncOnce()
    const [pulled] = await sql(`SELECT createdbyid, lastmodifieddate FROM $schema.account`)
    expect(pulled?.createdbyid).toBe(org.get(id as string)?.CreatedById)
    expect(pulled?.lastmodifieddate).toBeInstanceOf(Date)

    // An app insert: the push sends Name only (Salesforce would refuse CreatedById).
    await sql(
      `INSERT INTO $schema.account (name, external_id__c, createdbyid) VALUES ('New', 'N-1', '005000000000000AAA')`,
    )
    const inserted = await engine.syncOnce()
    expect(inserted.pushes[0]).toMatchObject({ succeeded: 1, failed: 0 })

    // Editing only the read-only column records nothing and leaves the row as it was.
    await sql(`UPDATE $schema.account SET createdbyid = '005000000000001AAA' WHERE sfid = $1`, [id])
    expect(await fixture.log()).toEqual([])
    const [edited] = await sql(`SELECT _hc_lastop FROM $schema.account WHERE sfid = $1`, [id])
    expect(edited?._hc_lastop).toBe('SYNCED')

    // An edit of a writable column beside it sends that column only.
    await sql(
      `UPDATE $schema.account SET industry = 'Energy', createdbyid = '005000000000002AAA' WHERE sfid = $1`,
      [id],
    )
    const updated = await engine.syncOnce()
    expect(updated.pushes[0]).toMatchObject({ succeeded: 1, failed: 0 })
    expect(org.get(id as string)).toMatchObject({ Industry: 'Energy' })

    // The next pull of the record puts Salesforce's value back.
    org.modify('Account', id as string, { Name: 'Acme 2' })
    await engine.syncOnce()
    const [after] = await sql(`SELECT name, createdbyid FROM $schema.account WHERE sfid = $1`, [id])
    expect(after).toEqual({ name: 'Acme 2', createdbyid: org.get(id as string)?.CreatedById })
  })
})
