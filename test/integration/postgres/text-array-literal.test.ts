import { describe, expect, it } from 'vitest'
import { textArrayLiteral } from '../../../src/postgres/text-array-literal.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()

describe('textArrayLiteral read by PostgreSQL', () => {
  it('gives back every value unchanged through $1::text[] (both ways of writing it)', async () => {
    const values: (string | null)[] = [
      'plain',
      null,
      'NULL',
      'null',
      '',
      'say "hi", {then} leave',
      'C:\\temp\\',
      "it's",
      ' padded ',
      'é ü 漢字',
      '\u2028',
      '\u007f',
    ]
    const withControls = [...values, 'line\nbreak', 'tab\there', 'emoji 😀', 'cr\r\n']
    for (const list of [values, withControls]) {
      const { rows } = await db().pool.query<{ v: (string | null)[] }>('SELECT $1::text[] AS v', [
        textArrayLiteral(list),
      ])
      expect(rows[0]?.v).toEqual(list)
    }
  })
})
