import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/index.js'
import { changedToFit } from '../../../src/mappings/changed-to-fit.js'
import { resolveColumnDrift } from '../../../src/mappings/column-drift.js'
import { holdsEvery, parseColumnType } from '../../../src/mappings/column-type.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { ColumnSpec, MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { planMappings } from '../../../src/mappings/plan-mappings.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'

// What changed between a mapped table and the org's describe, and what to do about it
// (docs/guides/mappings.md, "When Salesforce changes").
const org = new InMemoryOrg({
  objects: [
    {
      name: 'Gadget__c',
      keyPrefix: 'a01',
      fields: [
        { name: 'Name', type: 'string', length: 80 },
        { name: 'Code__c', type: 'string', length: 80 },
        { name: 'Notes__c', type: 'textarea', length: 32_000 },
        { name: 'Count__c', type: 'int' },
        { name: 'Price__c', type: 'double' },
        { name: 'Flag__c', type: 'string', length: 10 },
        { name: 'Due__c', type: 'datetime' },
        { name: 'Key__c', type: 'string', length: 20, externalId: true },
      ],
    },
  ],
})
const gadget = defineMapping({
  object: 'Gadget__c',
  access: 'read_write',
  fields: ['Name', 'Code__c', 'Notes__c', 'Count__c', 'Price__c', 'Flag__c', 'Due__c'],
  externalId: 'Key__c',
})
const plan = (): MappingSchema =>
  planMappings([gadget], new Map([['Gadget__c', org.describe('Gadget__c')]]))[0] as MappingSchema

/** The table as install() made it some time ago, with `changes` applied to its column types. */
function table(changes: Record<string, string> = {}): Map<string, string> {
  const types = new Map(
    plan().columns.map((c) => [
      c.column,
      c.pgType
        .replace(/^varchar/, 'character varying')
        .replace(/^timestamp$/, 'timestamp without time zone'),
    ]),
  )
  for (const [column, type] of Object.entries(changes)) types.set(column, type)
  return types
}

describe('column types', () => {
  it("parses the catalog's and pgforce's spellings alike", () => {
    expect(parseColumnType('character varying(40)')).toEqual(parseColumnType('varchar(40)'))
    expect(parseColumnType('timestamp without time zone').name).toBe('timestamp')
    // A Time field's column, as the catalog spells it: the same type, no drift.
    expect(holdsEvery(parseColumnType('time without time zone'), parseColumnType('time'))).toBe(
      true,
    )
    expect(parseColumnType('numeric(18, 2)')).toMatchObject({ whole: 16, fraction: 2 })
    expect(parseColumnType('int4').name).toBe('integer')
    expect(parseColumnType('character(3)').family).toBe('other')
  })

  it('knows which type holds every value of another unchanged', () => {
    const holds = (column: string, value: string) =>
      holdsEvery(parseColumnType(column), parseColumnType(value))
    expect(holds('varchar(80)', 'varchar(40)')).toBe(true)
    expect(holds('varchar(40)', 'varchar(80)')).toBe(false)
    expect(holds('text', 'varchar(80)')).toBe(true)
    expect(holds('varchar(80)', 'text')).toBe(false)
    expect(holds('double precision', 'integer')).toBe(true)
    expect(holds('double precision', 'bigint')).toBe(false) // past 2^53
    expect(holds('integer', 'double precision')).toBe(false)
    expect(holds('numeric(18,2)', 'numeric(10,2)')).toBe(true)
    expect(holds('numeric(18,2)', 'numeric(18,3)')).toBe(false)
    expect(holds('numeric(12,0)', 'integer')).toBe(true)
    expect(holds('timestamp', 'date')).toBe(true)
    expect(holds('date', 'timestamp')).toBe(false)
    expect(holds('varchar(255)', 'double precision')).toBe(false)
    expect(holds('boolean', 'boolean')).toBe(true)
  })
})

describe('resolveColumnDrift', () => {
  it('changes nothing when the table is what the describe asks for', () => {
    const resolved = resolveColumnDrift(plan(), table())
    expect(resolved.alters).toEqual([])
    expect(resolved.drift).toEqual([])
    expect(resolved.plan.columns.map((c) => c.pgType)).toEqual(plan().columns.map((c) => c.pgType))
  })

  it('widens a column whose field grew, and keeps one wider than its field', () => {
    const resolved = resolveColumnDrift(
      plan(),
      table({ code__c: 'character varying(40)', notes__c: 'character varying(255)', name: 'text' }),
    )
    expect(resolved.alters).toEqual([
      { column: 'code__c', from: 'varchar(40)', to: 'varchar(80)' },
      { column: 'notes__c', from: 'varchar(255)', to: 'text' },
    ])
    expect(resolved.drift.map((d) => [d.column, d.change, d.from, d.to])).toEqual([
      ['code__c', 'widened', 'varchar(40)', 'varchar(80)'],
      ['notes__c', 'widened', 'varchar(255)', 'text'],
    ])
    const columns = new Map(resolved.plan.columns.map((c) => [c.column, c]))
    expect(columns.get('code__c')?.pgType).toBe('varchar(80)')
    expect(columns.get('name')?.pgType).toBe('text') // wider than Salesforce's 80: left alone
    expect(columns.get('name')?.expectedType).toBeUndefined()
    // The plan's writable columns are the same specs as its columns.
    expect(resolved.plan.writableColumns.find((c) => c.column === 'code__c')).toBe(
      columns.get('code__c'),
    )
  })

  it('retypes a column where the new type holds every value it has', () => {
    const resolved = resolveColumnDrift(plan(), table({ price__c: 'integer', due__c: 'date' }))
    expect(resolved.drift.map((d) => [d.column, d.change, d.from, d.to])).toEqual([
      ['price__c', 'retyped', 'integer', 'double precision'],
      ['due__c', 'retyped', 'date', 'timestamp'],
    ])
    expect(resolved.alters.map((a) => a.column)).toEqual(['price__c', 'due__c'])
  })

  it('keeps a column whose new type would lose or change values, and says so', () => {
    const resolved = resolveColumnDrift(
      plan(),
      table({ count__c: 'double precision', flag__c: 'boolean' }),
    )
    // Count__c is an int field now: a double precision column holds every int, nothing to do.
    // Flag__c became text: a boolean column cannot hold it.
    expect(resolved.alters).toEqual([])
    expect(resolved.drift).toEqual([
      {
        mapping: 'Gadget__c',
        table: 'gadget__c',
        field: 'Flag__c',
        column: 'flag__c',
        change: 'type-changed',
        from: 'boolean',
        to: 'varchar(10)',
        salesforceType: 'string',
        reason: expect.stringContaining('without losing or changing values'),
      },
    ])
    const flag = resolved.plan.columns.find((c) => c.column === 'flag__c')
    expect(flag).toMatchObject({ pgType: 'boolean', expectedType: 'varchar(10)' })
  })

  it('keeps a column Postgres refused to retype, with its reason', () => {
    const resolved = resolveColumnDrift(plan(), table({ code__c: 'character varying(40)' }), {
      refused: new Map([['code__c', 'cannot alter type of a column used by a view or rule']]),
    })
    expect(resolved.alters).toEqual([])
    expect(resolved.drift[0]).toMatchObject({
      change: 'type-changed',
      reason: 'cannot alter type of a column used by a view or rule',
    })
  })

  it('reports deleted fields and fields that came back', () => {
    const withMissing: MappingSchema = {
      ...plan(),
      missing: [{ field: 'Gone__c', column: 'gone__c' }],
    }
    const resolved = resolveColumnDrift(withMissing, table({ gone__c: 'character varying(20)' }), {
      recordedMissing: new Set(['code__c']),
    })
    expect(resolved.drift.map((d) => [d.field, d.change, d.from])).toEqual([
      ['Code__c', 'restored', undefined],
      ['Gone__c', 'deleted', 'varchar(20)'],
    ])
  })

  it('leaves columns the table does not have yet to install()', () => {
    const types = table()
    types.delete('price__c')
    const resolved = resolveColumnDrift(plan(), types)
    expect(resolved.drift).toEqual([])
    expect(resolved.plan.columns.find((c) => c.column === 'price__c')?.pgType).toBe(
      'double precision',
    )
  })
})

describe('planMappings with installed fields', () => {
  const describesWithout = (field: string) => {
    const describe = org.describe('Gadget__c')
    return new Map([
      ['Gadget__c', { ...describe, fields: describe.fields.filter((f) => f.name !== field) }],
    ])
  }
  const installed = new Map([
    [
      'gadget__c',
      plan()
        .columns.map((c) => ({ field: c.field, column: c.column }))
        .concat({ field: 'Key__c', column: 'key__c' }),
    ],
  ])

  it('plans an installed field Salesforce deleted as missing: not queried, not sent', () => {
    const [planned] = planMappings([gadget], describesWithout('Code__c'), installed)
    expect(planned?.missing).toEqual([{ field: 'Code__c', column: 'code__c' }])
    expect(planned?.columns.some((c) => c.column === 'code__c')).toBe(false)
    expect(planned?.writableColumns.some((c) => c.column === 'code__c')).toBe(false)
  })

  it('plans without an external id when its installed field was deleted', () => {
    const [planned] = planMappings([gadget], describesWithout('Key__c'), installed)
    expect(planned?.externalId).toBeUndefined()
    expect(planned?.missing).toEqual([{ field: 'Key__c', column: 'key__c' }])
  })

  it('still refuses a field that was never installed', () => {
    const newer = defineMapping({ object: 'Gadget__c', fields: ['Name', 'Nope__c'] })
    expect(() => planMappings([newer], describesWithout('Code__c'), installed)).toThrow(ConfigError)
    expect(() => planMappings([gadget], describesWithout('Code__c'))).toThrow(
      expect.objectContaining({
        problems: [expect.objectContaining({ path: 'mappings.Gadget__c.fields.Code__c' })],
      }),
    )
  })
})

describe('changedToFit', () => {
  const kept = (pgType: string, sfType: ColumnSpec['sfType']) => ({
    field: 'F__c',
    column: 'f__c',
    pgType,
    sfType,
    expectedType: 'varchar(255)',
  })

  it('passes values the kept column stores unchanged', () => {
    expect(changedToFit('12.5', kept('double precision', 'string'))).toBeUndefined()
    expect(changedToFit(-3, kept('double precision', 'string'))).toBeUndefined()
    expect(changedToFit('true', kept('boolean', 'string'))).toBeUndefined()
    expect(changedToFit('2026-01-02', kept('timestamp', 'date'))).toBeUndefined()
    expect(changedToFit('anything', kept('varchar(10)', 'double'))).toBeUndefined()
    expect(changedToFit(null, kept('double precision', 'string'))).toBeUndefined()
  })

  it('refuses values Postgres would change to fit', () => {
    for (const value of ['007', '1e3', '1.50', ' 12', 'NaN', '12345678901234567890', 'abc'])
      expect(changedToFit(value, kept('double precision', 'string'))).toMatch(/would change/)
    expect(changedToFit('yes', kept('boolean', 'string'))).toMatch(/would change/)
    expect(changedToFit('2026-01-02 10:00:00.000', kept('date', 'datetime'))).toMatch(
      /would change/,
    )
  })

  it('checks only columns kept after a type change', () => {
    expect(
      changedToFit('007', { ...kept('double precision', 'string'), expectedType: undefined }),
    ).toBeUndefined()
  })
})
