import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { MergedWriteStrategy } from '../../../src/strategies/merged-write-strategy.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'AnnualRevenue'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

describe('push (Postgres → Salesforce)', () => {
  it('sends inserts, updates and deletes; writes sfid and _hc_lastop back; a second push sends nothing', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    await sql(
      `INSERT INTO $schema.account (name, industry, annualrevenue) VALUES ('Acme', 'Energy', 10.5), ('Beta', NULL, NULL)`,
    )
    const first = await engine.syncOnce()
    expect(first.pushes[0]).toMatchObject({ sent: 2, succeeded: 2, failed: 0 })
    const rows = await sql(`SELECT id, sfid, name, _hc_lastop FROM $schema.account ORDER BY name`)
    expect(rows.map((r) => r._hc_lastop)).toEqual(['INSERTED', 'INSERTED'])
    const acme = org.get(rows[0]?.sfid as string)
    expect(acme).toMatchObject({ Name: 'Acme', Industry: 'Energy', AnnualRevenue: 10.5 })

    await sql(`UPDATE $schema.account SET industry = 'Banking' WHERE name = 'Acme'`)
    await sql(`DELETE FROM $schema.account WHERE name = 'Beta'`)
    const second = await engine.syncOnce()
    expect(second.pushes[0]).toMatchObject({ sent: 2, succeeded: 2 })
    expect(org.get(rows[0]?.sfid as string)?.Industry).toBe('Banking')
    expect(org.get(rows[1]?.sfid as string)?.IsDeleted).toBe(true)
    expect((await sql(`SELECT _hc_lastop FROM $schema.account`)).map((r) => r._hc_lastop)).toEqual([
      'UPDATED',
    ])
    expect(await fixture.log()).toEqual([])
    const archived = await sql(`SELECT state, action FROM $schema._trigger_log_archive ORDER BY id`)
    expect(archived.map((r) => `${r.action}:${r.state}`)).toEqual([
      'INSERT:SUCCESS',
      'INSERT:SUCCESS',
      'UPDATE:SUCCESS',
      'DELETE:SUCCESS',
    ])
    const third = await engine.syncOnce()
    expect(third.pushes[0]).toMatchObject({ sent: 0, apiCalls: 0 })
  })

  it('fails a rejected record alone; its later updates wait; others go through', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    // Name is required: the first row is rejected by Salesforce's validation.
    await sql(`INSERT INTO $schema.account (name) VALUES (NULL), ('Good')`)
    await sql(`UPDATE $schema.account SET industry = 'Energy' WHERE name IS NULL`)
    const report = await engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ succeeded: 1, failed: 1 })
    const log = await fixture.log()
    expect(log.map((l) => [l.action, l.state])).toEqual([
      ['INSERT', 'FAILED'],
      ['UPDATE', 'NEW'],
    ])
    expect(log[0]?.sf_message).toMatch(/REQUIRED_FIELD_MISSING/)
    const [bad] = await sql(`SELECT _hc_lastop, _hc_err FROM $schema.account WHERE name IS NULL`)
    expect(bad?._hc_lastop).toBe('FAILED')
    expect(JSON.parse(bad?._hc_err as string)).toMatchObject({
      statusCode: 'REQUIRED_FIELD_MISSING',
    })
    expect(org.all('Account').map((r) => r.Name)).toEqual(['Good'])
    const status = await engine.status()
    expect(status.mappings[0]).toMatchObject({
      object: 'Account',
      table: 'account',
      pending: 1,
      failed: 1,
    })
    expect(status.mappings[0]?.lastPush).toMatchObject({ succeeded: 1, failed: 1 })
    expect(status.mappings[0]?.oldestPendingAt).toBeInstanceOf(Date)

    // The operator fixes the row and retries: the insert goes with the fixed values, then the update.
    await sql(`UPDATE $schema.account SET name = 'Fixed' WHERE name IS NULL`)
    expect(await engine.retryFailed({ objects: ['Account'] })).toBe(1)
    const retried = await engine.syncOnce()
    expect(retried.pushes[0]).toMatchObject({ failed: 0 })
    expect(await fixture.log()).toEqual([])
    expect(
      org
        .all('Account')
        .map((r) => [r.Name, r.Industry])
        .sort(),
    ).toEqual([
      ['Fixed', 'Energy'],
      ['Good', null],
    ])
    const [row] = await sql(`SELECT _hc_lastop, _hc_err FROM $schema.account WHERE name = 'Fixed'`)
    expect(row).toEqual({ _hc_lastop: 'UPDATED', _hc_err: null })
  })

  it('tells about each rejected record, and trims the archive by age', async () => {
    fixture = await syncFixture(db(), [account])
    const { engine } = fixture
    const failures: unknown[] = []
    engine.on('record:failed', (event) => failures.push(event))
    await sql(`INSERT INTO $schema.account (name) VALUES (NULL), ('ok')`)
    await engine.syncOnce()
    expect(failures).toEqual([
      expect.objectContaining({
        mapping: 'Account',
        action: 'INSERT',
        error: expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' }),
      }),
    ])
    await sql(`UPDATE $schema._trigger_log_archive SET created_at = now() - interval '40 days'`)
    expect(await engine.trimArchive()).toBe(1)
    expect(await sql(`SELECT count(*)::int AS n FROM $schema._trigger_log_archive`)).toEqual([
      { n: 0 },
    ])
  })

  it('ignoreFailed() dismisses failures into the archive', async () => {
    fixture = await syncFixture(db(), [account])
    const { engine } = fixture
    await sql(`INSERT INTO $schema.account (name) VALUES (NULL)`)
    await engine.syncOnce()
    expect(await engine.ignoreFailed()).toBe(1)
    expect(await fixture.log()).toEqual([])
    const archived = await sql(`SELECT state FROM $schema._trigger_log_archive`)
    expect(archived).toEqual([{ state: 'IGNORED' }])
  })

  it('upserts inserts on the external id, so a resend never duplicates', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Keyed', 'K-1')`)
    // Simulate a worker that sent the insert, then died before committing: the entry is NEW again.
    await engine.syncOnce()
    await sql(`INSERT INTO $schema._trigger_log (txid, table_name, record_id, action, state, "values")
               SELECT txid_current(), table_name, record_id, action, 'NEW', "values" FROM $schema._trigger_log_archive`)
    await sql(`UPDATE $schema.account SET sfid = NULL`)
    await engine.syncOnce()
    expect(org.all('Account').filter((r) => r.External_Id__c === 'K-1')).toHaveLength(1)
  })

  it('retries a whole-call failure later without marking anything failed', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine } = fixture
    await sql(`INSERT INTO $schema.account (name) VALUES ('A'), ('B')`)
    org.faults.failRequests({ path: '/composite/sobjects', status: 503, count: 1 })
    await expect(engine.syncOnce()).rejects.toMatchObject({ retryable: true })
    expect((await fixture.log()).map((l) => l.state)).toEqual(['NEW', 'NEW'])
    await engine.syncOnce()
    expect(org.all('Account')).toHaveLength(2)
    expect(await fixture.log()).toEqual([])
  })

  it('merged writes fold a record history into one operation', async () => {
    const merged = defineMapping({
      object: 'Account',
      access: 'read_write',
      fields: ['Name', 'Industry'],
      writeStrategy: new MergedWriteStrategy(),
    })
    fixture = await syncFixture(db(), [merged])
    const { org, engine } = fixture
    await sql(`INSERT INTO $schema.account (name) VALUES ('v1'), ('gone')`)
    await sql(`UPDATE $schema.account SET name = 'v2', industry = 'Energy' WHERE name = 'v1'`)
    await sql(`UPDATE $schema.account SET name = 'v3' WHERE name = 'v2'`)
    await sql(`DELETE FROM $schema.account WHERE name = 'gone'`)
    const report = await engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ strategy: 'merged', succeeded: 1, apiCalls: 1 })
    expect(org.all('Account').map((r) => [r.Name, r.Industry])).toEqual([['v3', 'Energy']])
    const archived = await sql(`SELECT action, state FROM $schema._trigger_log_archive ORDER BY id`)
    expect(archived.map((r) => `${r.action}:${r.state}`)).toEqual([
      'INSERT:MERGED',
      'INSERT:IGNORED',
      'UPDATE:MERGED',
      'UPDATE:SUCCESS',
      'DELETE:IGNORED',
    ])
  })
})

describe('several workers', () => {
  it('two engines pushing one queue send every entry exactly once', async () => {
    // Small claims, so the two workers interleave on the same queue.
    class SmallClaims extends OrderedWriteStrategy {
      readonly claimSize = 50
    }
    fixture = await syncFixture(db(), [account], { writeStrategy: new SmallClaims() })
    const { org, connection } = fixture
    const second = new SyncEngine({
      connection,
      mappings: [account],
      sources: [],
      writeStrategy: new SmallClaims(),
    })
    await sql(
      `INSERT INTO $schema.account (name, external_id__c) SELECT 'Row ' || g, 'K-' || g FROM generate_series(1, 1000) g`,
    )
    const calls: number[] = []
    org.faults.setLatency(2)
    const [a, b] = await Promise.all([fixture.engine.syncOnce(), second.syncOnce()])
    calls.push(a.pushes[0]?.succeeded ?? 0, b.pushes[0]?.succeeded ?? 0)
    expect(calls.reduce((x, y) => x + y, 0)).toBe(1000)
    expect(Math.min(...calls)).toBeGreaterThan(0)
    expect(org.all('Account')).toHaveLength(1000)
    expect(await fixture.log()).toEqual([])
    const archived = await sql(
      `SELECT count(*)::int AS n FROM $schema._trigger_log_archive WHERE state = 'SUCCESS'`,
    )
    expect(archived[0]?.n).toBe(1000)
  })
})
