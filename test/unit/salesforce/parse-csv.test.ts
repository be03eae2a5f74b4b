import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { describe, expect, it } from 'vitest'
import { parseCsv, parseCsvRows } from '../../../src/salesforce/jsforce/parse-csv.js'

describe('parseCsv', () => {
  it('reads a page a few rows at a time, from where the last call stopped', () => {
    const text = '"Id","Name"\n"001A","A, ""one"""\r\n\n"001B",\n"001C","line\nbreak"'
    const slices: string[][][] = []
    let offset = 0
    while (offset < text.length) {
      const rows: string[][] = []
      offset = parseCsvRows(text, offset, 2, (cells) => rows.push([...cells]))
      slices.push(rows)
    }
    expect(slices).toEqual([
      [
        ['Id', 'Name'],
        ['001A', 'A, "one"'],
      ],
      [
        ['001B', ''],
        ['001C', 'line\nbreak'],
      ],
    ])
    expect(slices.flat()).toEqual(parseCsv(text))
  })

  it('reads a Bulk page as csv-parse does', () => {
    const text =
      '"Id","Name","AnnualRevenue","IsDeleted"\n"001A","Acme ""A""",1.5,false\n"001B","",,true\n'
    expect(parseCsv(text)).toEqual(parse(text, { skip_empty_lines: true }))
  })

  it('reads quoted fields with commas, quotes and line breaks', () => {
    const text = '"Id","Name","Description"\r\n"001","Acme, Inc.","He said ""hi""\nthen left"\r\n'
    expect(parseCsv(text)).toEqual([
      ['Id', 'Name', 'Description'],
      ['001', 'Acme, Inc.', 'He said "hi"\nthen left'],
    ])
  })

  it('reads unquoted and empty fields, LF or CRLF, with or without a final line break', () => {
    expect(parseCsv('a,b,c\n1,,3\n,,\n4,5,')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['', '', ''],
      ['4', '5', ''],
    ])
    expect(parseCsv('a,b\r\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
    expect(parseCsv('"",x\n')).toEqual([['', 'x']])
  })

  it('skips empty lines and reads nothing from empty text', () => {
    expect(parseCsv('')).toEqual([])
    expect(parseCsv('\n\r\n')).toEqual([])
    expect(parseCsv('a,b\n\n1,2\n\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
  })

  it('throws on malformed text rather than read it half right', () => {
    expect(() => parseCsv('a,"b\n1,2')).toThrow(/unterminated/)
    expect(() => parseCsv('"a"b,c\n')).toThrow(/unexpected character/)
  })

  it('reads back exactly what csv-stringify writes (random cells, quoted or not)', () => {
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const alphabet = ['a', 'Z', '0', ' ', ',', '"', '\n', '\r\n', 'é', '💡', '\\', "'"]
    const cell = () =>
      Array.from({ length: Math.floor(random() * 8) }, () =>
        random() < 0.5 ? 'x' : (alphabet[Math.floor(random() * alphabet.length)] ?? ''),
      ).join('')
    for (let round = 0; round < 200; round += 1) {
      const columns = 1 + Math.floor(random() * 6)
      const rows = Array.from({ length: 1 + Math.floor(random() * 20) }, () =>
        Array.from({ length: columns }, cell),
      )
      // A row of one empty cell is an empty line to both parsers; Bulk rows always have an Id.
      rows.forEach((row) => {
        if (row.length === 1 && row[0] === '') row[0] = 'x'
      })
      for (const quoted of [false, true]) {
        // csv-stringify leaves a bare LF unquoted when its rows end in CRLF: CRLF only when quoted.
        const crlf = quoted && random() < 0.5
        const text = stringify(rows, { quoted, record_delimiter: crlf ? '\r\n' : '\n' })
        expect(parseCsv(text)).toEqual(rows)
      }
    }
  })
})
