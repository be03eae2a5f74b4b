import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { textArrayLiteral } from '../../../src/postgres/text-array-literal.js'

// node-postgres' own serialisation of a JavaScript array parameter, the reference.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as {
  prepareValue: (value: unknown) => string
}

/**
 * A one-dimensional array literal read as PostgreSQL's array_in reads it: quoted elements with
 * backslash escapes; an unquoted NULL (any case) is null. (The integration suite has Postgres
 * itself read them: test/integration/postgres/text-array-literal.test.ts.)
 */
function readLiteral(text: string): (string | null)[] {
  expect(text.startsWith('{') && text.endsWith('}')).toBe(true)
  const out: (string | null)[] = []
  let i = 1
  if (text[i] === '}') return out
  for (;;) {
    if (text[i] === '"') {
      let value = ''
      i += 1
      while (text[i] !== '"') {
        if (text[i] === '\\') i += 1
        if (i >= text.length) throw new Error('unterminated')
        value += text[i]
        i += 1
      }
      i += 1
      out.push(value)
    } else {
      const end = text.slice(i).search(/[,}]/)
      const token = text.slice(i, i + end)
      expect(token.toUpperCase()).toBe('NULL') // every string is quoted
      out.push(null)
      i += end
    }
    if (text[i] === '}') return out
    expect(text[i]).toBe(',')
    i += 1
  }
}

let seed = 7
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}
const randomArrays = (alphabet: readonly string[]) =>
  Array.from({ length: 300 }, () =>
    Array.from({ length: Math.floor(random() * 10) }, () =>
      random() < 0.15
        ? null
        : Array.from(
            { length: Math.floor(random() * 6) },
            () => alphabet[Math.floor(random() * alphabet.length)],
          ).join(''),
    ),
  )

/** A character JSON writes as `\n`, `\u…`: a control character or a lone surrogate. */
const escapedApartByJson = (ch: string) => {
  const code = ch.charCodeAt(0)
  return code < 0x20 || (ch.length === 1 && code >= 0xd800 && code <= 0xdfff)
}

describe('textArrayLiteral', () => {
  it('writes nulls, quotes, backslashes and separators as PostgreSQL reads them', () => {
    expect(textArrayLiteral([])).toBe('{}')
    expect(readLiteral(textArrayLiteral(['a', null, 'NULL', 'null', '']))).toEqual([
      'a',
      null,
      'NULL',
      'null',
      '',
    ])
    const awkward = ['say "hi"', 'C:\\temp', '{a,b}', "it's", ' padded ', 'é', '\u2028']
    expect(readLiteral(textArrayLiteral(awkward))).toEqual(awkward)
  })

  it('reads back as the values it was given (random values with quotes, backslashes, braces)', () => {
    for (const values of randomArrays(['a', '"', '\\', ',', '{', '}', ' ', 'é', 'NULL', "'"]))
      expect(readLiteral(textArrayLiteral(values))).toEqual(values)
  })

  it('writes values with control characters or lone surrogates exactly as node-postgres does', () => {
    for (const values of randomArrays([
      'a',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0000',
      '😀',
      '\ud83d',
      'NULL',
    ])) {
      const literal = textArrayLiteral(values)
      if (values.some((v) => v !== null && [...v].some(escapedApartByJson)))
        expect(literal).toBe(prepareValue(values))
      expect(readLiteral(literal)).toEqual(values)
    }
  })

  it('keeps emoji on the one-pass path: a well-formed pair is not escaped by JSON', () => {
    expect(textArrayLiteral(['😀', null])).toBe('{"😀",null}')
  })
})
