import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/index.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { parentsFirst, planMappings } from '../../../src/mappings/plan-mappings.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { accountDescribe } from '../../fixtures/describe-fixture.js'

const describes = new Map([
  ['Account', accountDescribe],
  ['Nope__c', undefined],
])

describe('planMappings', () => {
  it('types every column from the describe, system columns first', () => {
    const [plan] = planMappings(
      [
        defineMapping({
          object: 'account',
          fields: ['name', 'AnnualRevenue', 'Description'],
          externalId: 'External_Id__c',
        }),
      ],
      new Map([['account', accountDescribe]]),
    )
    expect(plan?.object).toBe('Account')
    expect(plan?.externalId).toBe('External_Id__c')
    expect(plan?.columns.map((c) => [c.field, c.column, c.pgType])).toEqual([
      ['Id', 'sfid', 'varchar(18)'],
      ['SystemModstamp', 'systemmodstamp', 'timestamp'],
      ['IsDeleted', 'isdeleted', 'boolean'],
      ['CreatedDate', 'createddate', 'timestamp'],
      ['Name', 'name', 'varchar(255)'],
      ['AnnualRevenue', 'annualrevenue', 'double precision'],
      ['Description', 'description', 'text'],
      ['External_Id__c', 'external_id__c', 'varchar(255)'],
    ])
    expect(plan?.writableColumns.map((c) => c.column)).toEqual([
      'name',
      'annualrevenue',
      'description',
      'external_id__c',
    ])
  })

  it('allows read-only fields on read-only mappings', () => {
    const [plan] = planMappings(
      [defineMapping({ object: 'Account', fields: ['Formula__c', 'LastActivityDate'] })],
      describes,
    )
    expect(plan?.columns.map((c) => c.pgType).slice(-2)).toEqual(['varchar(255)', 'date'])
  })

  it('allows read-only fields on read/write mappings, and never counts them writable', () => {
    const [plan] = planMappings(
      [
        defineMapping({
          object: 'Account',
          access: 'read_write',
          fields: ['Name', 'Formula__c', 'LastActivityDate'],
        }),
      ],
      describes,
    )
    expect(plan?.columns.map((c) => c.column).slice(-3)).toEqual([
      'name',
      'formula__c',
      'lastactivitydate',
    ])
    expect(plan?.writableColumns.map((c) => c.column)).toEqual(['name'])
  })

  it('lists every problem of every mapping in one ConfigError', () => {
    let error: unknown
    try {
      planMappings(
        [
          defineMapping({
            object: 'Account',
            access: 'read_write',
            fields: ['Name', 'Missing__c', 'Formula__c', 'Logo__c', 'BillingAddress', 'Plain__c'],
            externalId: 'Plain__c',
          }),
          defineMapping({ object: 'Nope__c', fields: ['Name'] }),
        ],
        describes,
      )
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.map((p) => [p.path, p.received])).toEqual([
      ['mappings.Account.fields.Missing__c', '"Missing__c" (no such field)'],
      ['mappings.Account.fields.Logo__c', 'a base64 field'],
      ['mappings.Account.fields.BillingAddress', 'a address field'],
      ['mappings.Account.externalId', '"Plain__c" (not marked External ID)'],
      ['mappings.Nope__c.object', '"Nope__c" (not found)'],
    ])
  })

  it("resolves a parent's external id column to its lookup, and links mapped parents", () => {
    const org = new InMemoryOrg()
    const orgDescribes = new Map([
      ['Contact', org.describe('Contact')],
      ['Account', org.describe('Account')],
    ])
    const contact = defineMapping({
      object: 'Contact',
      access: 'read_write',
      fields: ['LastName', 'Account.External_Id__c'],
    })
    const account = defineMapping({
      object: 'Account',
      access: 'read_write',
      fields: ['Name', 'External_Id__c'],
    })
    const [child, parent] = planMappings([contact, account], orgDescribes)
    const column = child?.columns.find((c) => c.column === 'account__r__external_id__c')
    expect(column).toMatchObject({
      field: 'Account.External_Id__c',
      pgType: 'varchar(255)',
      lookup: {
        relationship: 'Account',
        referenceField: 'AccountId',
        parentObject: 'Account',
        parentField: 'External_Id__c',
        parentRow: { table: 'account', column: 'external_id__c' },
      },
    })
    expect(parentsFirst([child, parent] as MappingSchema[]).map((p) => p.object)).toEqual([
      'Account',
      'Contact',
    ])
  })

  it('refuses a relationship path that is not a lookup to an external id', () => {
    const org = new InMemoryOrg()
    const contact = defineMapping({
      object: 'Contact',
      fields: ['Nothing.External_Id__c', 'Account.Name'],
    })
    expect(() =>
      planMappings(
        [contact],
        new Map([
          ['Contact', org.describe('Contact')],
          ['Account', org.describe('Account')],
        ]),
      ),
    ).toThrow(
      /fields\.Nothing\.External_Id__c[\s\S]*no such relationship[\s\S]*fields\.Account\.Name[\s\S]*not marked External ID/,
    )
  })
})
