import { describe, expect, it } from 'vitest'
import type { ColumnSpec } from '../../../src/mappings/mapping-schema.js'
import { valueProblem } from '../../../src/push/value-problems.js'

const column = (sfType: string, more: Partial<ColumnSpec> = {}) =>
  ({ field: 'F', column: 'f', sfType, ...more }) as ColumnSpec

describe('valueProblem: numbers that would arrive changed', () => {
  it.each([
    ['0.1', 'currency'],
    ['-0.00', 'currency'],
    ['12.30', 'currency'],
    ['+5', 'double'],
    ['900719925474099.25', 'currency'],
    ['9007199254740992', 'int'],
    ['1.2345678901234568e+20', 'double'], // a double precision column's own text
    ['0.30000000000000004', 'double'],
  ])('%s (%s) goes as it is', (text, sfType) => {
    expect(valueProblem(text, column(sfType))).toBeUndefined()
  })

  it.each([
    ['1234567890123456.78', 'currency', '1234567890123456.8'],
    ['9007199254740993', 'int', '9007199254740992'],
    ['0.12345678901234567891', 'percent', '0.12345678901234568'],
  ])('%s (%s) is refused: it would arrive as %s', (text, sfType, arrives) => {
    expect(valueProblem(text, column(sfType))).toContain(`it would arrive as ${arrives}`)
  })
})
