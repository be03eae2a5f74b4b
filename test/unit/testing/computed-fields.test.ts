import { describe, expect, it } from 'vitest'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { InMemoryOrg } from '../../../src/testing.js'

describe('InMemoryOrg computed fields', () => {
  it('computes a formula when a record is created or updated; the describe calls it calculated', () => {
    const org = new InMemoryOrg()
    org.addField('Account', {
      name: 'Name_Upper__c',
      type: 'string',
      length: 1300,
      formula: (record) => String(record.Name ?? '').toUpperCase(),
    })
    const field = org.describe('Account').fields.find((f) => f.name === 'Name_Upper__c')
    expect(field).toMatchObject({ calculated: true, createable: false, updateable: false })
    const [id] = org.insert('Account', [{ Name: 'Acme' }])
    expect(org.get(id as string)?.Name_Upper__c).toBe('ACME')
    org.modify('Account', id as string, { Name: 'Acme 2' })
    expect(org.get(id as string)?.Name_Upper__c).toBe('ACME 2')
    expect(() => org.insert('Account', [{ Name: 'B', Name_Upper__c: 'X' }])).toThrow(
      SalesforceApiError,
    )
  })

  it('numbers auto-number fields on create, per field, and keeps the number on update', () => {
    const org = new InMemoryOrg()
    const [first, second] = org.insert('Case', [{ Status: 'New' }, { Status: 'New' }])
    expect(org.get(first as string)?.CaseNumber).toBe('00000001')
    expect(org.get(second as string)?.CaseNumber).toBe('00000002')
    org.modify('Case', first as string, { Status: 'Working' })
    expect(org.get(first as string)?.CaseNumber).toBe('00000001')
    expect(org.describe('Case').fields.find((f) => f.name === 'CaseNumber')).toMatchObject({
      autoNumber: true,
      createable: false,
    })
  })
})
