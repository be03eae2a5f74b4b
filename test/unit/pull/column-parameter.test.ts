import { describe, expect, it } from 'vitest'
import type { ColumnSpec } from '../../../src/mappings/mapping-schema.js'
import { asParameter } from '../../../src/pull/column-parameter.js'

const column = (pgType: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  field: 'CreatedDate',
  column: 'createddate',
  sfType: 'datetime',
  pgType,
  createable: false,
  updateable: false,
  system: false,
  ...extra,
})

describe('asParameter', () => {
  it('sends a UTC datetime to a timestamp column as Salesforce wrote it', () => {
    expect(asParameter('2024-01-31T12:34:56.789Z', column('timestamp'))).toBe(
      '2024-01-31T12:34:56.789Z',
    )
    expect(asParameter('2024-01-31T12:34:56.789+0000', column('timestamp'))).toBe(
      '2024-01-31T12:34:56.789+0000',
    )
  })

  it('converts other datetimes, and any datetime for other column types, to UTC text', () => {
    expect(asParameter('2024-01-31T14:34:56.000+02:00', column('timestamp'))).toBe(
      '2024-01-31 12:34:56.000',
    )
    expect(asParameter('2024-01-31T12:34:56.000Z', column('timestamptz'))).toBe(
      '2024-01-31 12:34:56.000',
    )
    expect(asParameter('2024-01-31T12:34:56.000Z', column('text'))).toBe('2024-01-31 12:34:56.000')
  })

  it('checks a datetime against a column kept at another type after the field changed', () => {
    const kept = column('date', { expectedType: 'timestamp' })
    expect(() => asParameter('2024-01-31T12:34:56.000Z', kept)).toThrow(/would change to fit/)
  })
})
