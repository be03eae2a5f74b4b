import { afterEach, describe, expect, it } from 'vitest'
import type { VerifyReport } from '../../../src/engine/verify-report.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// engine.verify() and reconcile() against the emulator over HTTP: drift polls cannot see (a
// formula recalculated without a SystemModstamp bump, a row changed or lost behind the engine's
// back, a purged record) is found by a sampled comparison of values, and repaired by re-pulling
// the records by id.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Score__c'],
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})
const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)
/** A write the capture trigger does not see, as the engine's own writes. */
const behindTheEnginesBack = (text: string, values?: unknown[]) =>
  sql(`BEGIN; SET LOCAL xmlbinary = 'hex'; ${text}; COMMIT`, values)

/** An org whose Accounts have a formula field, `Score__c`. */
function orgWithFormula(): InMemoryOrg {
  const org = new InMemoryOrg()
  org.addField('Account', { name: 'Score__c', type: 'double', calculated: true })
  return org
}

/**
 * Three synced Accounts, Score__c 1, and a fourth changed 10 s later, so the pull cursor has moved
 * past the first three's look-back window (a pull no longer re-reads them); returns their ids.
 */
async function syncedAccounts(f: SyncFixture): Promise<string[]> {
  const ids = f.org.insert('Account', [{ Name: 'A' }, { Name: 'B' }, { Name: 'C' }])
  for (const id of ids) f.org.recalculate('Account', id, { Score__c: 1 })
  await f.engine.syncOnce()
  f.org.clock.advance(10_000)
  f.org.insert('Account', [{ Name: 'Later' }])
  await f.engine.syncOnce()
  return ids
}

const clean = {
  differing: [],
  missingInPostgres: [],
  missingInSalesforce: [],
  unsent: [],
  notYetPulled: [],
  repaired: [],
  inSync: true,
}

describe('verify', () => {
  it('finds a formula value Salesforce recalculated without a SystemModstamp bump, and repairs it', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula(), over: 'http' })
    const { org, engine } = fixture
    const [a] = await syncedAccounts(fixture)
    expect(await engine.verify()).toEqual([
      { mapping: 'Account', salesforceCount: 4, postgresCount: 4, sampled: 4, ...clean },
    ])

    org.recalculate('Account', a as string, { Score__c: 7 })
    await engine.syncOnce() // a poll does not see it
    expect(await sql('SELECT score__c FROM $schema.account WHERE sfid = $1', [a])).toEqual([
      { score__c: 1 },
    ])
    const events: VerifyReport[] = []
    engine.on('verify:completed', (event) => events.push(event))
    const [found] = await engine.verify({ objects: ['account'] })
    expect(found).toMatchObject({
      salesforceCount: 4,
      postgresCount: 4,
      differing: [
        {
          sfid: a,
          fields: [{ field: 'Score__c', column: 'score__c', salesforce: 7, postgres: '1' }],
        },
      ],
      repaired: [],
      inSync: false,
    })
    expect(events).toEqual([found])

    // The repair goes through the pull: a pull of that record alone.
    const pulls: string[] = []
    const pullCalls: number[] = []
    engine.on('pull:started', ({ reason }) => pulls.push(reason))
    engine.on('pull:completed', ({ apiCalls }) => pullCalls.push(apiCalls))
    const [repaired] = await engine.verify({ repair: true })
    expect(repaired).toMatchObject({ differing: [{ sfid: a }], repaired: [a], inSync: true })
    expect({ pulls, pullCalls }).toEqual({ pulls: ['verify'], pullCalls: [1] }) // one read by id
    expect(await sql('SELECT score__c FROM $schema.account WHERE sfid = $1', [a])).toEqual([
      { score__c: 7 },
    ])
    expect(await engine.verify()).toEqual([expect.objectContaining(clean)])
  })

  it('finds a value changed in Postgres behind the engine, and puts Salesforce’s back', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula(), over: 'http' })
    const { engine } = fixture
    const [, b] = await syncedAccounts(fixture)
    await behindTheEnginesBack(`UPDATE $schema.account SET name = 'Tampered' WHERE sfid = '${b}'`)
    expect(await fixture.log()).toEqual([]) // not captured: nothing will send it
    const [found] = await engine.verify()
    expect(found?.differing).toEqual([
      {
        sfid: b,
        fields: [{ field: 'Name', column: 'name', salesforce: 'B', postgres: 'Tampered' }],
      },
    ])
    // On a running engine, too.
    await engine.start()
    const [repaired] = await engine.verify({ repair: true })
    expect(repaired).toMatchObject({ repaired: [b], inSync: true })
    expect(await sql('SELECT name FROM $schema.account WHERE sfid = $1', [b])).toEqual([
      { name: 'B' },
    ])
  })

  it('does not call rows with unsent changes drift', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula(), over: 'http' })
    const { engine } = fixture
    const [a, b] = await syncedAccounts(fixture)
    await sql(`UPDATE $schema.account SET name = 'Edited in the app' WHERE sfid = $1`, [a])
    await sql('DELETE FROM $schema.account WHERE sfid = $1', [b])
    const [found] = await engine.verify({ repair: true })
    expect(found).toMatchObject({ differing: [], missingInPostgres: [], repaired: [] })
    expect(found?.unsent).toEqual(expect.arrayContaining([a, b]))
    expect(found?.unsent).toHaveLength(2)
    expect(await sql('SELECT name, _hc_lastop FROM $schema.account WHERE sfid = $1', [a])).toEqual([
      { name: 'Edited in the app', _hc_lastop: 'PENDING' },
    ])
  })

  it('reports count drift and missing records; re-pulls a lost row, needs a reload for a purged record', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula(), over: 'http' })
    const { org, engine } = fixture
    const [a, b] = await syncedAccounts(fixture)
    await behindTheEnginesBack(`DELETE FROM $schema.account WHERE sfid = '${a}'`)
    org.remove('Account', b as string)
    org.emptyRecycleBin([b as string]) // purged: no pull will ever see it again
    const [found] = await engine.verify()
    expect(found).toMatchObject({
      salesforceCount: 3,
      postgresCount: 3,
      missingInPostgres: [a],
      missingInSalesforce: [b],
      inSync: false,
    })
    const [repaired] = await engine.verify({ repair: true })
    // A is read again by id; B cannot be: Salesforce no longer returns it.
    expect(repaired).toMatchObject({
      salesforceCount: 3,
      postgresCount: 4,
      repaired: [a],
      inSync: false,
    })
    // reconcile() reloads a mapping whose counts still differ: the purged record's row goes.
    const [reconciled] = await engine.reconcile()
    expect(reconciled).toMatchObject({ reloaded: true })
    expect(await engine.verify()).toEqual([
      expect.objectContaining({ salesforceCount: 3, postgresCount: 3, inSync: true }),
    ])
  })

  it('counts every call it makes against the API budget', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula(), over: 'http' })
    const { org, engine } = fixture
    org.insert(
      'Account',
      Array.from({ length: 250 }, (_, i) => ({ Name: `Account ${i}` })),
    )
    await engine.syncOnce()
    const callsToday = async () => (await engine.status()).mappings[0]?.apiCallsToday ?? 0
    const [orgBefore, budgetBefore] = [org.api.used, await callsToday()]
    const [found] = await engine.verify({ sample: 250, recent: 10 })
    expect(found).toMatchObject({ sampled: 250, inSync: true })
    // A COUNT, the 10 most recent records, and the other 240 sampled by id in calls of 200.
    expect(org.api.used - orgBefore).toBe(4)
    expect((await callsToday()) - budgetBefore).toBe(4)
  })
})

describe('reconcile', () => {
  it('re-pulls records whose formula changed instead of reloading the mapping', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula(), over: 'http' })
    const { org, engine } = fixture
    const [, , c] = await syncedAccounts(fixture)
    org.recalculate('Account', c as string, { Score__c: 3 })
    const loads: unknown[] = []
    engine.on('load:started', (event) => loads.push(event))
    expect(await engine.reconcile()).toEqual([
      {
        mapping: 'Account',
        salesforceCount: 4,
        postgresCount: 4,
        differing: 1,
        repaired: 1,
        reloaded: false,
      },
    ])
    expect(loads).toEqual([])
    expect(await sql('SELECT score__c FROM $schema.account WHERE sfid = $1', [c])).toEqual([
      { score__c: 3 },
    ])
  })

  it('reloads a mapping when much of the sample drifted: re-pulling the sample cannot reach the rest', async () => {
    fixture = await syncFixture(db(), [account], {
      org: orgWithFormula(),
      over: 'http',
      reconcileSample: 20,
    })
    const { org, engine } = fixture
    const ids = org.insert(
      'Account',
      Array.from({ length: 300 }, (_, i) => ({ Name: `Account ${i}` })),
    )
    await engine.syncOnce()
    org.clock.advance(10_000)
    org.insert('Account', [{ Name: 'Later' }])
    await engine.syncOnce()
    // The formula's definition changed: every record has a new value, none a new SystemModstamp.
    for (const id of ids) org.recalculate('Account', id, { Score__c: 5 })
    const [reconciled] = await engine.reconcile()
    expect(reconciled).toMatchObject({ salesforceCount: 301, postgresCount: 301, reloaded: true })
    expect(reconciled?.differing).toBeGreaterThan(0)
    expect(await sql('SELECT count(*)::int AS n FROM $schema.account WHERE score__c = 5')).toEqual([
      { n: 300 },
    ])
  })
})
