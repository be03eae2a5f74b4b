import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { ChangeEvent } from '../../../src/runs/change-event.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// `engine.on('change', …)`: one event per record, after its commit, both ways.
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
const brief = (e: ChangeEvent) => [e.direction, e.action, e.sfid, e.columns]

describe('change events', () => {
  it('reports each pulled insert, update and delete with its changed columns, after commit', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    const changes: ChangeEvent[] = []
    const seen: Promise<unknown>[] = []
    const [acme, globex] = org.insert('Account', [
      { Name: 'Acme', Industry: 'Energy' },
      { Name: 'Globex' },
    ])
    engine.on('change', (change) => {
      // After commit: another connection sees the row already.
      const visible = sql(`SELECT id FROM $schema.account WHERE sfid = $1`, [change.sfid]).then(
        ([row]) => changes.push({ ...change, values: { visible: row?.id === change.recordId } }),
      )
      seen.push(visible)
    })
    await engine.syncOnce()
    await Promise.all(seen)
    const ids = new Map(
      (await sql(`SELECT id, sfid FROM $schema.account`)).map((r) => [r.sfid, r.id]),
    )
    expect(changes.map(brief).sort()).toEqual(
      [
        ['pull', 'INSERT', acme, expect.arrayContaining(['name', 'industry'])],
        ['pull', 'INSERT', globex, expect.arrayContaining(['name'])],
      ].sort(),
    )
    expect(changes.find((c) => c.sfid === globex)?.columns).not.toContain('industry')
    for (const change of changes) {
      expect(change).toMatchObject({ mapping: 'Account', recordId: ids.get(change.sfid) })
      expect(change.values).toEqual({ visible: true })
    }

    changes.length = 0
    org.modify('Account', acme as string, { Industry: 'Media' })
    org.delete('Account', [globex as string])
    await engine.syncOnce()
    await Promise.all(seen)
    const update = changes.find((c) => c.action === 'UPDATE')
    expect(update?.sfid).toBe(acme)
    expect(update?.columns).toContain('industry')
    expect(update?.columns).not.toContain('name')
    expect(changes.find((c) => c.action === 'DELETE')).toMatchObject({
      direction: 'pull',
      sfid: globex,
      recordId: ids.get(globex),
      columns: [],
    })
    expect(changes).toHaveLength(2)
  })

  it('reports each push Salesforce accepted, with the columns sent, and values when asked', async () => {
    fixture = await syncFixture(db(), [account], { changeEvents: { values: true } })
    const { org, engine } = fixture
    const changes: ChangeEvent[] = []
    engine.on('change', (change) => changes.push(change))
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await engine.syncOnce()
    const [record] = org.all('Account')
    const [row] = await sql(`SELECT id FROM $schema.account`)
    const pushed = changes.filter((c) => c.direction === 'push')
    expect(pushed).toEqual([
      {
        direction: 'push',
        mapping: 'Account',
        action: 'INSERT',
        sfid: record?.Id,
        recordId: row?.id,
        columns: expect.arrayContaining(['name', 'external_id__c']),
        values: expect.objectContaining({ name: 'Acme', external_id__c: 'A-1' }),
      },
    ])

    changes.length = 0
    await sql(`UPDATE $schema.account SET industry = 'Energy'`)
    await engine.syncOnce()
    expect(changes.filter((c) => c.direction === 'push')).toEqual([
      expect.objectContaining({
        action: 'UPDATE',
        sfid: record?.Id,
        columns: ['industry'],
        values: { industry: 'Energy' },
      }),
    ])
    // Values of a pulled change are the row's, as pg reads them.
    changes.length = 0
    org.modify('Account', record?.Id as string, { Name: 'Acme Corp' })
    await engine.syncOnce()
    const pulled = changes.find((c) => c.direction === 'pull')
    expect(pulled?.values).toMatchObject({ name: 'Acme Corp' })
    expect(Object.keys(pulled?.values ?? {}).sort()).toEqual([...(pulled?.columns ?? [])].sort())
  })

  it('reports nothing for a rejected write (a failed write instead), and builds nothing while nobody listens', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    org.faults.failRecords({
      objectName: 'Account',
      operation: 'upsert',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Not today',
    })
    const changes: ChangeEvent[] = []
    const listener = (change: ChangeEvent) => changes.push(change)
    engine.on('change', listener)
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await engine.syncOnce()
    expect(changes).toEqual([])
    // The rejection is a failed write, listed with what was sent and Salesforce's answer.
    const [row] = await sql(`SELECT id FROM $schema.account`)
    expect(await engine.failedWrites()).toEqual([
      {
        entryId: expect.any(Number),
        mapping: 'Account',
        table: 'account',
        action: 'INSERT',
        recordId: row?.id,
        sfid: null,
        values: expect.objectContaining({ name: 'Acme', external_id__c: 'A-1' }),
        message: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Not today',
        failedAt: expect.any(Date),
      },
    ])
    await expect(engine.failedWrites({ limit: 0 })).rejects.toThrow(/limit/)
    engine.off('change', listener)
    org.insert('Account', [{ Name: 'Globex' }])
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.inserted).toBe(1)
    expect(changes).toEqual([])
  })
})
