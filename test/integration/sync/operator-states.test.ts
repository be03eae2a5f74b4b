import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// The trigger-log states Heroku Connect's operators set by hand (reference heroku-connect.md
// §1.5): REQUEUE sends an entry again (it ends REQUEUED), IGNORE drops it (it ends IGNORED).
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})
const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)
const archive = () =>
  sql(`SELECT id::int, state, action, "values" FROM $schema._trigger_log_archive ORDER BY id`)
const rejectNext = (operation: 'create' | 'update' | 'upsert') =>
  fixture?.org.faults.failRecords({
    objectName: 'Account',
    operation,
    statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    message: 'Not today',
  })

describe('operator states in _trigger_log', () => {
  it('sends an entry set to REQUEUE again, in its place before its record’s later changes; it ends REQUEUED', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    rejectNext('upsert')
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await engine.syncOnce()
    expect((await fixture.log()).map((l) => l.state)).toEqual(['FAILED'])
    // A later change of the record waits behind its failure.
    await sql(`UPDATE $schema.account SET industry = 'Energy'`)
    await engine.syncOnce()
    expect((await fixture.log()).map((l) => l.state)).toEqual(['FAILED', 'NEW'])

    await sql(`UPDATE $schema._trigger_log SET state = 'REQUEUE' WHERE state = 'FAILED'`)
    const report = await engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ succeeded: 2, failed: 0 })
    expect(await fixture.log()).toEqual([])
    expect((await archive()).map((e) => [e.action, e.state])).toEqual([
      ['INSERT', 'REQUEUED'],
      ['UPDATE', 'SUCCESS'],
    ])
    expect(org.all('Account').map((r) => [r.Name, r.Industry, r.External_Id__c])).toEqual([
      ['Acme', 'Energy', 'A-1'],
    ])
    const [row] = await sql(`SELECT sfid, _hc_lastop FROM $schema.account`)
    expect(row).toEqual({ sfid: org.all('Account')[0]?.Id, _hc_lastop: 'UPDATED' })
  })

  it('counts a REQUEUE entry as waiting, and a pull keeps its change over Salesforce’s', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await engine.syncOnce()
    rejectNext('update')
    await sql(`UPDATE $schema.account SET industry = 'Energy'`)
    await engine.syncOnce()
    await sql(`UPDATE $schema._trigger_log SET state = 'REQUEUE' WHERE state = 'FAILED'`)
    const [status] = (await engine.status()).mappings
    expect(status?.pending).toBe(1)
    // Someone else edits another field in Salesforce: the pull applies it and keeps the
    // requeued change, which then goes.
    const [record] = org.all('Account')
    org.modify('Account', record?.Id as string, { Name: 'Acme Corp' })
    await engine.syncOnce()
    expect(org.get(record?.Id as string)).toMatchObject({ Name: 'Acme Corp', Industry: 'Energy' })
    expect(await sql(`SELECT name, industry FROM $schema.account`)).toEqual([
      { name: 'Acme Corp', industry: 'Energy' },
    ])
  })

  it('an entry set to REQUEUE that fails again is FAILED, with the new message', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    rejectNext('upsert')
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await fixture.engine.syncOnce()
    await sql(`UPDATE $schema._trigger_log SET state = 'REQUEUE', sf_message = NULL`)
    rejectNext('upsert')
    await fixture.engine.syncOnce()
    expect(await fixture.log()).toEqual([
      expect.objectContaining({ state: 'FAILED', sf_message: expect.stringMatching(/Not today/) }),
    ])
  })

  it('drops an entry set to IGNORE (archived IGNORED, never sent); the record’s later changes go', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    const [id] = org.insert('Account', [{ Name: 'Acme', External_Id__c: 'A-1' }])
    await engine.syncOnce()
    rejectNext('update')
    await sql(`UPDATE $schema.account SET name = 'Renamed'`)
    await engine.syncOnce()
    await sql(`UPDATE $schema.account SET industry = 'Energy'`)
    expect((await fixture.log()).map((l) => l.state)).toEqual(['FAILED', 'NEW'])

    await sql(`UPDATE $schema._trigger_log SET state = 'IGNORE' WHERE state = 'FAILED'`)
    await engine.syncOnce()
    expect(await fixture.log()).toEqual([])
    expect((await archive()).map((e) => [e.action, e.state, e.values])).toEqual([
      ['UPDATE', 'IGNORED', '"name"=>"Renamed"'],
      ['UPDATE', 'SUCCESS', '"industry"=>"Energy"'],
    ])
    expect(org.get(id as string)).toMatchObject({ Name: 'Acme', Industry: 'Energy' })
  })

  it('copies an archived entry set to REQUEUE back into the log and sends it; the archived one becomes REQUEUED', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    const [id] = org.insert('Account', [{ Name: 'Acme', External_Id__c: 'A-1' }])
    await engine.syncOnce()
    await sql(`UPDATE $schema.account SET name = 'Ours'`)
    await engine.syncOnce()
    org.modify('Account', id as string, { Name: 'Theirs' })
    await engine.syncOnce()
    const [sent] = await archive()
    expect(sent).toMatchObject({ state: 'SUCCESS', values: '"name"=>"Ours"' })

    await sql(`UPDATE $schema._trigger_log_archive SET state = 'REQUEUE' WHERE id = $1`, [sent?.id])
    // A push round copies it back as a NEW entry; that insert notifies the engine, whose next
    // round sends it.
    await engine.syncOnce()
    expect((await fixture.log()).map((l) => [l.action, l.state])).toEqual([['UPDATE', 'NEW']])
    await engine.syncOnce()
    expect(org.get(id as string)).toMatchObject({ Name: 'Ours' })
    expect((await archive()).map((e) => [e.id === sent?.id, e.state, e.values])).toEqual([
      [true, 'REQUEUED', '"name"=>"Ours"'],
      [false, 'SUCCESS', '"name"=>"Ours"'],
    ])

    // IGNORE on an archived entry only renames the state.
    await sql(`UPDATE $schema._trigger_log_archive SET state = 'IGNORE' WHERE id = $1`, [sent?.id])
    await engine.syncOnce()
    expect((await archive()).map((e) => e.state)).toEqual(['IGNORED', 'SUCCESS'])
  })

  it('sends a change recorded with hc_capture_update_from_row(), as django-heroku-connect records one', async () => {
    fixture = await syncFixture(db(), [account], { over: 'http' })
    const { org, engine } = fixture
    const [id] = org.insert('Account', [{ Name: 'Acme', External_Id__c: 'A-1' }])
    await engine.syncOnce()
    // A fix made where nothing captures it (a sync-side session), then recorded by hand.
    await sql(
      `BEGIN; SET LOCAL xmlbinary = 'hex'; UPDATE $schema.account SET name = 'Fixed'; COMMIT`,
    )
    expect(await fixture.log()).toEqual([])
    await sql(
      `SELECT $schema.hc_capture_update_from_row(hstore(a.*), 'account', ARRAY['name']) FROM $schema.account AS a`,
    )
    expect((await fixture.log()).map((l) => [l.action, l.state])).toEqual([['UPDATE', 'NEW']])
    await engine.syncOnce()
    expect(org.get(id as string)).toMatchObject({ Name: 'Fixed' })
  })
})
