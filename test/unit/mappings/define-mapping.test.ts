import { describe, expect, expectTypeOf, it } from 'vitest'
import { ConfigError } from '../../../src/index.js'
import { defineMapping, type MappingOptions } from '../../../src/mappings/define-mapping.js'
import type { ColumnValue, Mapping, RowOf } from '../../../src/mappings/mapping.js'

function problems(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.path)
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('defineMapping', () => {
  it('applies Heroku Connect defaults', () => {
    const mapping = defineMapping({ object: 'Account', fields: ['Name', 'Industry'] })
    expect(mapping).toMatchObject({
      object: 'Account',
      table: 'account',
      access: 'read_only',
      pollIntervalMs: 600_000,
      deleteMode: 'hard',
      fields: [
        { field: 'Name', column: 'name' },
        { field: 'Industry', column: 'industry' },
      ],
    })
    expect(Object.isFrozen(mapping)).toBe(true)
  })

  it('accepts a field → column map and adds the external id to the fields', () => {
    const mapping = defineMapping({
      object: 'Contact',
      table: 'people',
      fields: { LastName: 'surname' },
      externalId: 'Ext__c',
      access: 'read_write',
    })
    expect(mapping.fields).toEqual([
      { field: 'LastName', column: 'surname' },
      { field: 'Ext__c', column: 'ext__c' },
    ])
  })

  it('leaves system fields to the system columns', () => {
    const mapping = defineMapping({
      object: 'Account',
      fields: ['Id', 'Name', 'SystemModstamp', 'IsDeleted'],
    })
    expect(mapping.fields).toEqual([{ field: 'Name', column: 'name' }])
  })

  it('types rows from a literal field list', () => {
    const account = defineMapping({ object: 'Account', fields: ['Name', 'AnnualRevenue'] })
    type Row = RowOf<typeof account>
    expectTypeOf<Row>().toHaveProperty('name')
    expectTypeOf<Row>().toHaveProperty('annualrevenue')
    expectTypeOf<Row>().toHaveProperty('sfid')
    expectTypeOf<Row>().toHaveProperty('_hc_lastop')
    const people = defineMapping({ object: 'Contact', fields: { LastName: 'surname' } })
    expectTypeOf<RowOf<typeof people>>().toHaveProperty('surname')
  })

  it('accepts options typed MappingOptions, e.g. read from a config file', () => {
    const fromConfig: MappingOptions = { object: 'Account', fields: ['Name'] }
    const mapping = defineMapping(fromConfig)
    expect(mapping.fields).toEqual([{ field: 'Name', column: 'name' }])
    expectTypeOf(mapping).toEqualTypeOf<Mapping>()
    expectTypeOf<RowOf<typeof mapping>>().toHaveProperty('sfid')
    expectTypeOf<RowOf<typeof mapping>['any_column']>().toEqualTypeOf<ColumnValue>()
  })

  it("names a parent's external id column as Heroku Connect does", () => {
    const contact = defineMapping({
      object: 'Contact',
      fields: ['LastName', 'Account.External_Id__c', 'Parent__r.Code__c'],
    })
    expect(contact.fields.map((f) => f.column)).toEqual([
      'lastname',
      'account__r__external_id__c',
      'parent__r__code__c',
    ])
    expectTypeOf<RowOf<typeof contact>>().toHaveProperty('account__r__external_id__c')
    expectTypeOf<RowOf<typeof contact>>().toHaveProperty('parent__r__code__c')
  })

  it('refuses bad options with one error listing each problem', () => {
    expect(
      problems(() =>
        defineMapping({
          object: 'Account',
          table: 'Account Table',
          // @ts-expect-error: not an access value
          access: 'readwrite',
          fields: ['Name', 'Bad Field', 'Name'],
          externalId: 'not valid',
          pollIntervalMs: 10,
        }),
      ),
    ).toEqual([
      'table',
      'access',
      'externalId',
      'fields.Bad Field',
      'fields.Name',
      'pollIntervalMs',
    ])
  })

  it.each([
    [
      'a column that needs quoting',
      { object: 'Account', fields: { Name: 'my"col' } },
      'fields.Name',
    ],
    ['a system column', { object: 'Account', fields: { Name: 'sfid' } }, 'fields.Name'],
    [
      'two fields in one column',
      { object: 'Account', fields: { Name: 'x', Site: 'x' } },
      'fields.Site',
    ],
    ['no fields', { object: 'Account', fields: [] }, 'fields'],
    [
      'an interval over an hour',
      { object: 'Account', fields: ['Name'], pollIntervalMs: 3_600_001 },
      'pollIntervalMs',
    ],
    ['a bad object name', { object: 'Account; drop', fields: ['Name'] }, 'object'],
  ])('refuses %s', (_, options, path) => {
    expect(problems(() => defineMapping(options as never))).toContain(path)
  })

  it('takes table and column names up to the 63 bytes Postgres keeps, and refuses longer ones', () => {
    const table = 't'.repeat(63)
    expect(
      defineMapping({ object: 'Account', table, fields: { Name: 'c'.repeat(63) } }),
    ).toMatchObject({ table, fields: [{ field: 'Name', column: 'c'.repeat(63) }] })
    const tooLong = () =>
      defineMapping({ object: 'Account', table: 't'.repeat(64), fields: { Name: 'c'.repeat(70) } })
    expect(problems(tooLong)).toEqual(['table', 'fields.Name'])
    expect(tooLong).toThrow(/`table`: expected a name of at most 63 bytes.*\(64 bytes\)/)
    expect(tooLong).toThrow(/`fields.Name`: expected a name of at most 63 bytes.*\(70 bytes\)/)
  })

  it('refuses a parent external id column over 63 bytes, pointing to a column of your own', () => {
    const relationship = 'A_Rather_Long_Relationship_Name_Here__r' // 39 characters
    const field = `${relationship}.A_Rather_Long_External_Id_Field_Name__c` // column: 76 bytes
    expect(() => defineMapping({ object: 'Contact', fields: ['LastName', field] })).toThrow(
      /at most 63 bytes.*field → column form/,
    )
    const mapping = defineMapping({
      object: 'Contact',
      fields: { LastName: 'lastname', [field]: 'parent_external_id' },
    })
    expect(mapping.fields.map((f) => f.column)).toEqual(['lastname', 'parent_external_id'])
  })

  it("resolves indexes on mapped fields, in Heroku Connect's export shape or as a list", () => {
    const mapping = defineMapping({
      object: 'Contact',
      fields: { LastName: 'last_name', 'Account.External_Id__c': 'account_key' },
      externalId: 'Contact_Key__c',
      indexes: {
        Id: { unique: true },
        SystemModstamp: { unique: false },
        Contact_Key__c: { unique: true },
        lastname: { unique: false },
        'Account.External_Id__c': {},
        CreatedDate: { unique: false },
      },
    })
    expect(mapping.indexes).toEqual([
      { field: 'LastName', column: 'last_name', unique: false },
      { field: 'Account.External_Id__c', column: 'account_key', unique: false },
      { field: 'CreatedDate', column: 'createddate', unique: false },
    ])
    expect(defineMapping({ object: 'Account', fields: ['Name'] }).indexes).toEqual([])
    expect(
      defineMapping({ object: 'Account', fields: ['Name', 'Code__c'], indexes: ['Name'] }).indexes,
    ).toEqual([{ field: 'Name', column: 'name', unique: false }])
  })

  it('refuses indexes on fields the mapping does not sync, and unique flags that cannot hold', () => {
    expect(
      problems(() =>
        defineMapping({
          object: 'Account',
          fields: ['Name'],
          externalId: 'External_Id__c',
          indexes: {
            Industry: {},
            External_Id__c: { unique: false },
            SystemModstamp: { unique: true },
            Name: { unique: 'yes' as unknown as boolean },
          },
        }),
      ),
    ).toEqual([
      'indexes.Industry',
      'indexes.External_Id__c',
      'indexes.SystemModstamp',
      'indexes.Name.unique',
    ])
    expect(
      problems(() =>
        defineMapping({
          object: 'Account',
          fields: ['Name'],
          indexes: 'Name' as unknown as string[],
        }),
      ),
    ).toEqual(['indexes'])
  })

  it('allows short polling when asked, down to one second', () => {
    expect(
      defineMapping({ object: 'Account', fields: ['Name'], pollIntervalMs: 1_000 }).pollIntervalMs,
    ).toBe(1_000)
  })
})
