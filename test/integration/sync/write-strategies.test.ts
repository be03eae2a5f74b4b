import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { BulkWriteStrategy } from '../../../src/strategies/bulk-write-strategy.js'
import { MergedWriteStrategy } from '../../../src/strategies/merged-write-strategy.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type { WriteStrategy } from '../../../src/strategies/write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const fixtures: SyncFixture[] = []
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()))
})

const mappingWith = (writeStrategy: WriteStrategy) =>
  defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry'],
    externalId: 'External_Id__c',
    writeStrategy,
  })

async function open(strategy: WriteStrategy) {
  const fixture = await syncFixture(db(), [mappingWith(strategy)])
  fixtures.push(fixture)
  const sql = async (text: string) =>
    (await db().pool.query(text.replaceAll('$schema', `"${fixture.connection.schema}"`))).rows
  return { ...fixture, sql }
}

type Op =
  | { kind: 'insert'; key: number }
  | { kind: 'update'; key: number; industry: string }
  | { kind: 'delete'; key: number }

const industries = ['Energy', 'Banking', 'Media', 'Retail']
const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), key: fc.integer({ min: 0, max: 99 }) }),
    fc.record({
      kind: fc.constant('update' as const),
      key: fc.integer({ min: 0, max: 99 }),
      industry: fc.constantFrom(...industries),
    }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 99 }) }),
  ),
  { minLength: 1000, maxLength: 1000 },
)

/**
 * Applies operations as an app would, one statement each, in order (sent together: one round
 * trip, each statement still captured on its own).
 */
async function apply(sql: (text: string) => Promise<unknown[]>, sequence: readonly Op[]) {
  const statements = sequence.map((op) => {
    if (op.kind === 'insert')
      return `INSERT INTO $schema.account (name, external_id__c)
              SELECT 'A${op.key}', 'K-${op.key}' WHERE NOT EXISTS (SELECT 1 FROM $schema.account WHERE external_id__c = 'K-${op.key}')`
    if (op.kind === 'update')
      return `UPDATE $schema.account SET industry = '${op.industry}' WHERE external_id__c = 'K-${op.key}'`
    return `DELETE FROM $schema.account WHERE external_id__c = 'K-${op.key}'`
  })
  await sql(statements.join(';\n'))
}

function orgState(fixture: SyncFixture) {
  return fixture.org
    .all('Account')
    .filter((a) => typeof a.External_Id__c === 'string')
    .map((a) => `${a.External_Id__c}:${a.Industry ?? '-'}`)
    .sort()
}

describe('write strategies', () => {
  it('merged writes end where ordered writes end, in fewer API calls (1 000 random operations over 100 records)', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (sequence) => {
        const ordered = await open(new OrderedWriteStrategy())
        const merged = await open(new MergedWriteStrategy())
        await apply(ordered.sql, sequence)
        await apply(merged.sql, sequence)
        const a = await ordered.engine.syncOnce()
        const b = await merged.engine.syncOnce()
        expect(orgState(merged)).toEqual(orgState(ordered))
        expect(b.pushes[0]?.apiCalls).toBeLessThan(a.pushes[0]?.apiCalls ?? 0)
        expect(await merged.log()).toEqual([])
        await Promise.all(fixtures.splice(0).map((f) => f.close()))
      }),
      { numRuns: 3 },
    )
  }, 120_000)

  it('bulk: rows inserted and deleted before they sync leave nothing in either system', async () => {
    const fixture = await open(new BulkWriteStrategy({ threshold: 100, pollIntervalMs: 10 }))
    await fixture.sql(`INSERT INTO $schema.account (name, external_id__c)
                       SELECT 'Row ' || g, 'D-' || g FROM generate_series(1, 300) g`)
    await fixture.sql(`DELETE FROM $schema.account WHERE external_id__c IN ('D-5', 'D-6')`)
    await fixture.engine.syncOnce()
    await fixture.engine.syncOnce() // a pull after the push: nothing comes back
    const keys = fixture.org.all('Account').map((a) => a.External_Id__c)
    expect(keys).toHaveLength(298)
    expect(keys).not.toContain('D-5')
    expect(await fixture.count('account')).toBe(298)
    expect(await fixture.log()).toEqual([])
  })

  it('sends 10 000 inserts as a Bulk 2.0 job and maps failures back to their rows', async () => {
    const fixture = await open(new BulkWriteStrategy({ pollIntervalMs: 10 }))
    await fixture.sql(`INSERT INTO $schema.account (name, external_id__c)
                       SELECT CASE WHEN g % 1000 = 0 THEN NULL ELSE 'Bulk ' || g END, 'B-' || g FROM generate_series(1, 10000) g`)
    const report = await fixture.engine.syncOnce()
    expect(report.pushes[0]).toMatchObject({ strategy: 'bulk', succeeded: 9_990, failed: 10 })
    expect(report.pushes[0]?.apiCalls).toBeLessThan(10)
    const failed = await fixture.sql(
      `SELECT external_id__c FROM $schema.account WHERE _hc_lastop = 'FAILED' ORDER BY 1`,
    )
    expect(failed.map((r) => (r as { external_id__c: string }).external_id__c)).toEqual([
      'B-1000',
      'B-10000',
      'B-2000',
      'B-3000',
      'B-4000',
      'B-5000',
      'B-6000',
      'B-7000',
      'B-8000',
      'B-9000',
    ])
    const synced = await fixture.sql(
      `SELECT count(*)::int AS n FROM $schema.account WHERE sfid IS NOT NULL`,
    )
    expect((synced[0] as { n: number }).n).toBe(9_990)
    expect(fixture.org.all('Account')).toHaveLength(9_990)
  }, 60_000)
})
