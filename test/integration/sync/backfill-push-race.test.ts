import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { SObjectRecord } from '../../../src/salesforce/salesforce-types.js'
import { PostgresPollingSource } from '../../../src/sources/postgres-polling-source.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// A backfill of a column added to a mapping reads a record (Tier__c = Gold), the app changes
// the row's column (Platinum) and a push sends it and settles, then the backfill writes what it
// read. The row must keep the pushed value, as Salesforce does.
const db = useTestDatabase()
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
let release: () => void = () => {}
afterEach(async () => {
  release()
  for (const engine of engines.splice(0)) await engine.stop({ graceful: false })
  await fixture?.close()
  fixture = undefined
})

const mapping = (fields: string[]) =>
  defineMapping({ object: 'Account', access: 'read_write', fields, externalId: 'External_Id__c' })

describe.each(['rest', 'bulk'] as const)('backfill vs a push settled meanwhile (%s)', (path) => {
  it('does not write the value it read over a pushed one', async () => {
    const org = new InMemoryOrg()
    org.addField('Account', { name: 'Tier__c', type: 'string', length: 20 })
    const f = await syncFixture(db(), [mapping(['Name'])], { org })
    fixture = f
    const schema = f.connection.schema
    const sql = async (text: string, values?: unknown[]) =>
      (await db().pool.query(text.replaceAll('$schema', `"${schema}"`), values)).rows
    const [a, b, c] = org.insert('Account', [
      { Name: 'A', Tier__c: 'Gold' },
      { Name: 'B', Tier__c: 'Silver' },
      { Name: 'C', Tier__c: 'Bronze' },
    ]) as [string, string, string]
    await f.engine.syncOnce()
    // Move the cursor past A, B and C: only the backfill reads them again.
    org.clock.advance(10_000)
    org.insert('Account', [{ Name: 'D' }])
    await f.engine.syncOnce()
    expect(await f.count('account')).toBe(4)

    // Gate the backfill's read: the records are read from the org at once, handed over on release.
    let read: () => void = () => {}
    const wasRead = new Promise<void>((resolve) => {
      read = resolve
    })
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const isBackfill = (soql: string) => /^SELECT Id, Tier__c FROM Account/.test(soql)
    const adapter = f.adapter
    const bulkQuery = adapter.bulkQuery.bind(adapter)
    const queryAll = adapter.queryAll.bind(adapter)
    let gated = false
    Object.assign(adapter, {
      bulkQuery: (soql: string, options: Parameters<typeof bulkQuery>[1]) => {
        if (!isBackfill(soql) || gated) return bulkQuery(soql, options)
        gated = true
        return {
          async *[Symbol.asyncIterator]() {
            const pages: (readonly SObjectRecord[])[] = []
            for await (const page of bulkQuery(soql, options)) pages.push(page)
            read()
            await released
            yield* pages
          },
        }
      },
      queryAll: (soql: string, options: Parameters<typeof queryAll>[1]) => {
        if (!isBackfill(soql) || gated) return queryAll(soql, options)
        gated = true
        return {
          async *[Symbol.asyncIterator]() {
            const records: SObjectRecord[] = []
            for await (const record of queryAll(soql, options)) records.push(record)
            read()
            await released
            yield* records
          },
        }
      },
    })

    const next = new SyncEngine({
      connection: f.connection,
      mappings: [mapping(['Name', 'Tier__c'])],
      sources: [new PostgresPollingSource({ intervalMs: 100 })],
      ...(path === 'bulk' ? { tuning: { pull: { bulkThreshold: 2 } } } : {}),
    })
    engines.push(next)
    const loads: { columns?: readonly string[] }[] = []
    next.on('load:started', (event) => loads.push(event))
    const report = await next.install()
    expect(report.addedColumns).toEqual(['account.tier__c'])
    await next.start()
    await wasRead // the backfill holds A = Gold
    expect(org.get(a)?.Tier__c).toBe('Gold')

    await sql(`UPDATE $schema.account SET tier__c = 'Platinum' WHERE sfid = $1`, [a])
    await waitFor(
      async () =>
        (
          await sql(
            `SELECT 1 FROM $schema._trigger_log_archive WHERE sfid = $1 AND state = 'SUCCESS'`,
            [a],
          )
        ).length === 1,
      5_000,
      'the push to settle',
    )
    expect(org.get(a)?.Tier__c).toBe('Platinum')
    expect(await sql(`SELECT 1 FROM $schema._trigger_log WHERE sfid = $1`, [a])).toEqual([])

    release()
    await waitFor(
      async () => (await sql('SELECT 1 FROM $schema._pgforce_backfill')).length === 0,
      5_000,
      'the backfill to complete',
    )
    expect(loads).toEqual([expect.objectContaining({ columns: ['tier__c'] })])
    const tier = async (sfid: string) =>
      (await sql('SELECT tier__c FROM $schema.account WHERE sfid = $1', [sfid]))[0]?.tier__c
    expect(await tier(b)).toBe('Silver')
    expect(await tier(c)).toBe('Bronze')
    expect(org.get(a)?.Tier__c).toBe('Platinum')
    expect(await tier(a)).toBe('Platinum')
  })
})
