import { describe, expect, it } from 'vitest'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { afterPreviousRound } from '../../../src/push/after-previous-round.js'
import { sharesRecords } from '../../../src/push/shares-records.js'
import type { ChangeEntry, EntryResult } from '../../../src/strategies/write-strategy.js'

// A claim made while the round before it runs (docs/concepts/delivery-guarantees.md).
const plan = (lookupOwnTable = false) =>
  ({
    mapping: { table: 'account' },
    externalId: 'External_Id__c',
    columns: [
      { field: 'External_Id__c', column: 'external_id__c' },
      {
        field: 'ParentId',
        column: 'parent__r__external_id__c',
        lookup: lookupOwnTable ? { parentRow: { table: 'account', column: 'external_id__c' } } : {},
      },
    ],
  }) as unknown as MappingSchema

const entry = (
  id: number,
  recordId: number,
  action: ChangeEntry['action'] = 'INSERT',
  values: Record<string, string | null> = {},
  sfid: string | null = null,
): ChangeEntry => ({ id, action, recordId, sfid, values })

describe('sharesRecords', () => {
  it('tells when a batch holds a change of a record the round before sent', () => {
    const before = [entry(1, 1, 'INSERT', { external_id__c: 'K-1' }), entry(2, 2)]
    expect(sharesRecords(plan(), [entry(3, 3), entry(4, 4)], before)).toBe(false)
    expect(sharesRecords(plan(), [entry(3, 3), entry(4, 2, 'UPDATE')], before)).toBe(true)
    // Another row with the same external id value is the same record in Salesforce.
    expect(sharesRecords(plan(), [entry(5, 9, 'INSERT', { external_id__c: 'K-1' })], before)).toBe(
      true,
    )
    // Rows that look up rows of their own table wait for the sfids of the round before.
    expect(sharesRecords(plan(true), [entry(3, 3)], before)).toBe(true)
  })
})

describe('afterPreviousRound', () => {
  it("holds back a record's later changes when its change did not go through; gives inserted records their sfid", () => {
    const previous = {
      entries: [entry(1, 1), entry(2, 2), entry(3, 3), entry(4, 4)],
      results: [
        { entryId: 1, outcome: 'success', sfid: '001A' },
        { entryId: 2, outcome: 'failed' },
        { entryId: 3, outcome: 'deferred' },
        // entry 4: no outcome (never committed)
      ] satisfies EntryResult[],
    }
    const claimed = [
      entry(5, 1, 'UPDATE', { name: 'x' }),
      entry(6, 2, 'UPDATE'),
      entry(7, 3, 'DELETE'),
      entry(8, 4, 'UPDATE'),
      entry(9, 5),
    ]
    const { entries, behind } = afterPreviousRound(claimed, previous)
    expect([...behind]).toEqual([6, 7, 8])
    expect(entries.map((e) => e.sfid)).toEqual(['001A', null, null, null, null])
    expect(entries[0]?.values).toEqual({ name: 'x' })
  })
})
