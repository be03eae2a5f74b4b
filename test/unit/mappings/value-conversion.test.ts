import { describe, expect, it } from 'vitest'
import {
  datetimeToUtcText,
  equalsCaptured,
  isUtcWithMilliseconds,
  toColumnValue,
  toSalesforceValue,
} from '../../../src/mappings/value-conversion.js'
import { parseHstore } from '../../../src/postgres/parse-hstore.js'

describe('value conversion', () => {
  it.each([
    ['2024-01-31T12:34:56.000+0000', '2024-01-31 12:34:56.000'],
    ['2024-01-31T12:34:56.789Z', '2024-01-31 12:34:56.789'],
    ['2024-01-31T12:34:56Z', '2024-01-31 12:34:56.000'],
    ['2024-01-31T12:34:56.000+00:00', '2024-01-31 12:34:56.000'],
    ['2024-01-31T14:34:56.250+02:00', '2024-01-31 12:34:56.250'],
    ['2024-01-31T04:34:56.000-0800', '2024-01-31 12:34:56.000'],
  ])('datetime %s is stored as UTC %s', (input, expected) => {
    expect(datetimeToUtcText(input)).toBe(expected)
  })

  it('leaves text that only looks like a UTC datetime for Postgres to refuse', () => {
    expect(datetimeToUtcText('2024-01-31T12:34:5x.000Z')).toBe('2024-01-31T12:34:5x.000Z')
    expect(isUtcWithMilliseconds('2024-01-31T12:34:56.000Z')).toBe(true)
    expect(isUtcWithMilliseconds('2024-01-31T12:34:56.000+0000')).toBe(true)
    expect(isUtcWithMilliseconds('2024-01-31T12:34:56.000+0100')).toBe(false)
    expect(isUtcWithMilliseconds('2024-01-31T12:34:56.0000Z')).toBe(false)
    expect(isUtcWithMilliseconds('2024-01-31T12:34:56,000Z')).toBe(false)
  })

  it('compares Salesforce values with captured text by value, times of day included', () => {
    expect(equalsCaptured(12, '12', 'int')).toBe(true)
    expect(
      equalsCaptured('2024-01-31T12:34:56.000+0000', '2024-01-31T12:34:56.000Z', 'datetime'),
    ).toBe(true)
    expect(equalsCaptured(true, 'true', 'boolean')).toBe(true)
    // A `time` column prints `12:30:00`; Salesforce sends `12:30:00.000Z`.
    expect(equalsCaptured('12:30:00.000Z', '12:30:00', 'time')).toBe(true)
    expect(equalsCaptured('12:30:00.500Z', '12:30:00.5', 'time')).toBe(true)
    expect(equalsCaptured('12:30:01.000Z', '12:30:00', 'time')).toBe(false)
    expect(equalsCaptured(null, null, 'time')).toBe(true)
    expect(equalsCaptured('x', 'x', 'time')).toBe(true)
  })

  it('converts Salesforce values for columns', () => {
    expect(toColumnValue(null, 'string')).toBeNull()
    expect(toColumnValue(undefined, 'int')).toBeNull()
    expect(toColumnValue('42', 'int')).toBe(42)
    expect(toColumnValue(true, 'boolean')).toBe(true)
    expect(toColumnValue('false', 'boolean')).toBe(false)
    expect(toColumnValue('a;b', 'multipicklist')).toBe('a;b')
    expect(toColumnValue('2024-02-29', 'date')).toBe('2024-02-29')
    expect(toColumnValue({ city: 'Paris' }, 'string')).toBe('{"city":"Paris"}')
  })

  it('passes a value that is not what its type says on as the text it is, for Postgres to refuse', () => {
    expect(toColumnValue('lots', 'int')).toBe('lots')
    expect(toColumnValue('abc', 'currency')).toBe('abc')
    expect(toColumnValue(' 12.5 ', 'double')).toBe(12.5)
    expect(toColumnValue('maybe', 'boolean')).toBe('maybe')
    expect(toColumnValue('yesterday', 'datetime')).toBe('yesterday')
  })

  it('converts captured text for Salesforce', () => {
    expect(toSalesforceValue(null, 'string')).toBeNull()
    expect(toSalesforceValue('true', 'boolean')).toBe(true)
    expect(toSalesforceValue('f', 'boolean')).toBe(false)
    expect(toSalesforceValue('12', 'int')).toBe(12)
    expect(toSalesforceValue('1234.5', 'currency')).toBe(1234.5)
    expect(toSalesforceValue('2024-01-31T12:34:56.000Z', 'datetime')).toBe(
      '2024-01-31T12:34:56.000Z',
    )
    expect(toSalesforceValue('2024-01-31 12:34:56', 'datetime')).toBe('2024-01-31T12:34:56Z')
    expect(toSalesforceValue('x', 'picklist')).toBe('x')
  })

  it('parses hstore text', () => {
    expect(parseHstore(null)).toEqual({})
    expect(parseHstore('"name"=>"Acme", "industry"=>NULL, "q"=>"say \\"hi\\" \\\\ bye"')).toEqual({
      name: 'Acme',
      industry: null,
      q: 'say "hi" \\ bye',
    })
    // Empty values, a value that is only an escape, an escaped key.
    expect(parseHstore('"a"=>"", "b"=>"\\\\", "c"=>"x\\"", "d"=>NULL, "e\\"k"=>"v"')).toEqual({
      a: '',
      b: '\\',
      c: 'x"',
      d: null,
      'e"k': 'v',
    })
  })
})
