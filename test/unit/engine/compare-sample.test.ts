import { describe, expect, it } from 'vitest'
import {
  type CapturedRow,
  compareSample,
  fieldDifferences,
  type Sample,
} from '../../../src/engine/compare-sample.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { planMappings } from '../../../src/mappings/plan-mappings.js'
import type { SObjectRecord } from '../../../src/salesforce/salesforce-types.js'
import { accountDescribe } from '../../fixtures/describe-fixture.js'

// The diff behind engine.verify(): records and rows as they come from Salesforce and from
// Postgres (columns as the capture trigger prints them), compared with the pull's conversions.
const [plan] = planMappings(
  [
    defineMapping({
      object: 'Account',
      fields: ['Name', 'AnnualRevenue', 'NumberOfEmployees', 'LastActivityDate', 'Formula__c'],
    }),
  ],
  new Map([['Account', accountDescribe]]),
)
if (!plan) throw new Error('no plan')

const PULLED = '2026-03-01T10:00:00.000Z'
const LATER = '2026-03-01T11:00:00.000Z'

function record(id: string, values: Partial<SObjectRecord> = {}): SObjectRecord {
  return {
    Id: id,
    SystemModstamp: '2026-03-01T10:00:00.000+0000',
    IsDeleted: false,
    CreatedDate: '2026-02-01T08:00:00.000+0000',
    Name: 'Acme',
    AnnualRevenue: 1500.5,
    NumberOfEmployees: 12,
    LastActivityDate: '2026-02-28',
    Formula__c: 'gold',
    ...values,
  }
}

function row(id: string, values: Partial<Record<string, string | null>> = {}): CapturedRow {
  return {
    sfid: id,
    systemmodstamp: PULLED,
    isdeleted: 'false',
    createddate: '2026-02-01T08:00:00.000Z',
    name: 'Acme',
    annualrevenue: '1500.5',
    numberofemployees: '12',
    lastactivitydate: '2026-02-28',
    formula__c: 'gold',
    ...values,
  }
}

function sample(
  records: SObjectRecord[],
  rows: CapturedRow[],
  more: Partial<Sample> = {},
): ReturnType<typeof compareSample> {
  return compareSample({
    plan: plan as NonNullable<typeof plan>,
    sfids: [...records.map((r) => String(r.Id)), ...rows.map((r) => String(r.sfid))],
    records: new Map(records.map((r) => [String(r.Id), r])),
    rows: new Map(rows.map((r) => [String(r.sfid), r])),
    unsent: new Set(),
    pulledBefore: Date.parse(LATER),
    ...more,
  })
}

describe('compareSample', () => {
  it('finds nothing when every value is what the pull would write', () => {
    expect(sample([record('A')], [row('A')])).toEqual({
      sampled: 1,
      differing: [],
      missingInPostgres: [],
      missingInSalesforce: [],
      unsent: [],
      notYetPulled: [],
    })
  })

  it('reports each differing column with both values, converted as the pull converts', () => {
    const found = sample(
      [record('A', { Formula__c: 'platinum', NumberOfEmployees: 13 })],
      [row('A', { name: 'Acme Inc' })],
    )
    expect(found.differing).toEqual([
      {
        sfid: 'A',
        fields: [
          { field: 'Name', column: 'name', salesforce: 'Acme', postgres: 'Acme Inc' },
          {
            field: 'NumberOfEmployees',
            column: 'numberofemployees',
            salesforce: 13,
            postgres: '12',
          },
          { field: 'Formula__c', column: 'formula__c', salesforce: 'platinum', postgres: 'gold' },
        ],
      },
    ])
  })

  it('takes equal values in other spellings for equal: numbers, instants, null', () => {
    const fields = fieldDifferences(
      plan,
      record('A', { AnnualRevenue: 1500.5, SystemModstamp: '2026-03-01T11:00:00.000+0100' }),
      row('A', { annualrevenue: '1500.50' }),
    )
    expect(fields).toEqual([])
    expect(
      fieldDifferences(plan, record('A', { Formula__c: null }), row('A', { formula__c: '' })),
    ).toHaveLength(1)
  })

  it('sorts out records missing on one side, and records gone on both', () => {
    const found = sample(
      [
        record('SF_ONLY'),
        record('DELETED', { IsDeleted: true }),
        record('GONE', { IsDeleted: true }),
      ],
      [row('DELETED'), row('PURGED')],
    )
    expect(found).toMatchObject({
      sampled: 4,
      missingInPostgres: ['SF_ONLY'],
      missingInSalesforce: ['DELETED', 'PURGED'],
      differing: [],
    })
  })

  it('takes a deleted record with a soft-deleted row for in sync, a live one for a difference', () => {
    const found = sample(
      [record('SOFT', { IsDeleted: true }), record('UNDELETED')],
      [row('SOFT', { isdeleted: 'true' }), row('UNDELETED', { isdeleted: 'true' })],
    )
    expect(found.missingInSalesforce).toEqual([])
    expect(found.differing.map((d) => [d.sfid, d.fields.map((f) => f.column)])).toEqual([
      ['UNDELETED', ['isdeleted']],
    ])
  })

  it('does not call rows with unsent changes drift', () => {
    const found = sample([record('A', { Name: 'Other' })], [row('A')], { unsent: new Set(['A']) })
    expect(found).toMatchObject({ unsent: ['A'], differing: [] })
  })

  it('leaves records changed since the last pull to the next pull', () => {
    const changed = '2026-03-01T11:30:00.000+0000'
    const found = sample(
      [
        record('NEWER', { SystemModstamp: changed, Name: 'New name' }),
        record('CREATED', { SystemModstamp: changed }),
        record('DELETED', { SystemModstamp: changed, IsDeleted: true }),
      ],
      [row('NEWER'), row('DELETED')],
    )
    expect(found).toMatchObject({
      notYetPulled: ['NEWER', 'CREATED', 'DELETED'],
      differing: [],
      missingInPostgres: [],
      missingInSalesforce: [],
    })
  })

  it('reports a change older than the pull cursor that never arrived', () => {
    // Newer than the row, but before the cursor's look-back: the pull should have brought it.
    const found = sample(
      [record('MISSED', { SystemModstamp: '2026-03-01T10:30:00.000+0000', Name: 'Renamed' })],
      [row('MISSED')],
    )
    expect(found.notYetPulled).toEqual([])
    expect(found.differing[0]?.fields.map((f) => f.column)).toEqual(['systemmodstamp', 'name'])
  })

  it('before the first pull, compares rows whose record has not changed since', () => {
    const found = sample(
      [record('SAME', { Name: 'Changed in Postgres?' }), record('NO_ROW')],
      [row('SAME')],
      { pulledBefore: undefined },
    )
    expect(found.differing.map((d) => d.sfid)).toEqual(['SAME'])
    expect(found.notYetPulled).toEqual(['NO_ROW'])
  })
})
