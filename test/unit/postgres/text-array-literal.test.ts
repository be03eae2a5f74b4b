import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { textArrayLiteral } from '../../../src/postgres/text-array-literal.js'

// node-postgres' own serialisation of a JavaScript array parameter, the reference.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as {
  prepareValue: (value: unknown) => string
}

describe('textArrayLiteral', () => {
  it('writes nulls, quotes, backslashes and separators as PostgreSQL reads them', () => {
    expect(textArrayLiteral([])).toBe('{}')
    expect(textArrayLiteral(['a', null, 'NULL', ''])).toBe('{"a",NULL,"NULL",""}')
    expect(textArrayLiteral(['say "hi"', 'C:\\temp', '{a,b}', 'x\ny'])).toBe(
      '{"say \\"hi\\"","C:\\\\temp","{a,b}","x\ny"}',
    )
  })

  it('writes exactly what node-postgres writes for the same array (random values)', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const alphabet = ['a', '"', '\\', ',', '{', '}', ' ', '\n', 'é', 'NULL', "'"]
    for (let round = 0; round < 300; round += 1) {
      const values = Array.from({ length: Math.floor(random() * 10) }, () =>
        random() < 0.15
          ? null
          : Array.from(
              { length: Math.floor(random() * 6) },
              () => alphabet[Math.floor(random() * alphabet.length)],
            ).join(''),
      )
      expect(textArrayLiteral(values)).toBe(prepareValue(values))
    }
  })
})
