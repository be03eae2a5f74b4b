import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { EngineStateError } from '../../../src/errors/engine-state-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// A mapping switched from read_write to read_only: the changes it had captured and not sent are
// marked READONLY by install() (never sent), status() stops counting them, and nothing is sent.
const db = useTestDatabase()
const fields = ['Name', 'Industry']
const readWrite = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields,
  externalId: 'External_Id__c',
})
const readOnly = defineMapping({ object: 'Account', access: 'read_only', fields })
let fixture: SyncFixture | undefined
let switched: SyncEngine | undefined
afterEach(async () => {
  await switched?.stop()
  switched = undefined
  await fixture?.close()
  fixture = undefined
})
const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

describe('switching a mapping from read_write to read_only', () => {
  it('marks its unsent changes READONLY at install; status counts none; nothing is sent', async () => {
    fixture = await syncFixture(db(), [readWrite], { over: 'http' })
    const { org, engine, connection } = fixture
    const [id] = org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
    await engine.syncOnce()
    // Two changes wait: an edit of the synced row and a new row.
    await sql(`UPDATE $schema.account SET industry = 'Banking' WHERE sfid = $1`, [id])
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('New', 'N-1')`)
    expect((await engine.status()).mappings[0]?.pending).toBe(2)

    switched = new SyncEngine({ connection, mappings: [readOnly], sources: [] })
    // Not installed for the new access: the engine says so rather than strand the changes.
    await expect(switched.syncOnce()).rejects.toThrow(EngineStateError)
    await expect(switched.syncOnce()).rejects.toThrow(/installed read_write, and is read_only now/)

    const report = await switched.install()
    expect(report.markedReadOnly).toEqual({ account: 2 })
    expect((await fixture.log()).map((e) => [e.action, e.state, e.sf_message])).toEqual([
      ['UPDATE', 'READONLY', 'not sent: the mapping was switched to read_only'],
      ['INSERT', 'READONLY', 'not sent: the mapping was switched to read_only'],
    ])
    const [status] = (await switched.status()).mappings
    expect(status).toMatchObject({ access: 'read_only', pending: 0, failed: 0, pushLagMs: 0 })

    const calls = org.api.used
    const pass = await switched.syncOnce()
    expect(pass.pushes).toEqual([])
    expect(org.all('Account').map((a) => [a.Name, a.Industry])).toEqual([['Acme', 'Energy']])
    // Only the pull's query went to Salesforce.
    expect(org.api.used - calls).toBe(pass.pulls[0]?.apiCalls)
    // A second install finds nothing left to mark.
    expect((await switched.install()).markedReadOnly).toEqual({})
  })
})
