import { describe, expect, it } from 'vitest'
import { computedColumns } from '../../../src/mappings/computed-columns.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { planMappings } from '../../../src/mappings/plan-mappings.js'
import { recordBuilder } from '../../../src/push/to-salesforce-record.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'

const org = new InMemoryOrg()
org.addField('Account', { name: 'Upper__c', type: 'string', formula: (r) => r.Name })
const describes = new Map([
  ['Account', org.describe('Account')],
  ['Contact', org.describe('Contact')],
  ['Case', org.describe('Case')],
])
function plan(fields: string[], object = 'Account'): MappingSchema {
  const [schema] = planMappings(
    [defineMapping({ object, access: 'read_write', fields })],
    describes,
  )
  if (!schema) throw new Error('no plan')
  return schema
}

describe('computedColumns', () => {
  it('lists mapped fields a push never sends: formulas, auto-numbers, audit fields, compound names', () => {
    const columns = (fields: string[], object?: string) =>
      computedColumns(plan(fields, object)).map((c) => c.column)
    expect(columns(['Name', 'Upper__c', 'LastModifiedDate', 'CreatedById'])).toEqual([
      'upper__c',
      'lastmodifieddate',
      'createdbyid',
    ])
    expect(columns(['Subject', 'CaseNumber'], 'Case')).toEqual(['casenumber'])
    expect(columns(['LastName', 'Name'], 'Contact')).toEqual(['name'])
    // Writable fields only (system columns such as systemmodstamp do not count).
    expect(columns(['Name', 'Industry'])).toEqual([])
  })

  it("counts a lookup's Id column when the lookup is also set by the parent's external id", () => {
    const contact = plan(['LastName', 'AccountId', 'Account.External_Id__c'], 'Contact')
    expect(computedColumns(contact).map((c) => c.column)).toEqual(['accountid'])
    expect(computedColumns(plan(['LastName', 'AccountId'], 'Contact'))).toEqual([])
  })
})

describe('recordBuilder', () => {
  it("leaves out an empty lookup Id beside the parent's external id, and sends a set one", () => {
    const toRecord = recordBuilder(
      plan(['LastName', 'AccountId', 'Account.External_Id__c'], 'Contact'),
    )
    expect(
      toRecord({ lastname: 'Doe', accountid: null, account__r__external_id__c: 'P-1' }, 'INSERT'),
    ).toEqual({ LastName: 'Doe', Account: { External_Id__c: 'P-1' } })
    expect(toRecord({ accountid: null, account__r__external_id__c: null }, 'UPDATE')).toEqual({
      AccountId: null,
    })
  })
})
