/**
 * Parses CSV text (RFC 4180, as Bulk 2.0 query results are written) into rows of cells: fields
 * separated by commas, rows by LF or CRLF, a field in double quotes may hold commas, line breaks
 * and `""` for a quote. Empty lines are skipped. One synchronous pass over the text that slices
 * each cell out of it (no per-character string building), several times faster than a general
 * streaming CSV parser on a 10 000-row page (docs/concepts/performance.md, "Initial load").
 * Malformed text (an unterminated quote, text after a closing quote) throws, never a row read half
 * right (a load read in slices may have committed the slices before it: its cursor moves only at
 * the end, and its upserts can be done again). @internal
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  parseCsvRows(text, 0, Number.POSITIVE_INFINITY, (cells) => rows.push([...cells]))
  return rows
}

/**
 * Hands the next `maxRows` rows of `text`, from offset `start` (a row's first character), to
 * `onRow` one at a time, and returns the offset where the following row starts (`text.length` at
 * the end). The cells array is reused from row to row: `onRow` reads it and keeps none of it, so
 * a page's rows are never held as arrays (docs/concepts/performance.md, "Memory"). @internal
 */
export function parseCsvRows(
  text: string,
  start: number,
  maxRows: number,
  onRow: (cells: readonly string[]) => void,
): number {
  let rows = 0
  const end = text.length
  let i = start
  const row: string[] = []
  while (i < end && rows < maxRows) {
    const first = text.charCodeAt(i)
    if (row.length === 0 && (first === LF || first === CR)) {
      i += 1 // an empty line
      continue
    }
    if (first === QUOTE) {
      let value = ''
      let from = i + 1
      for (;;) {
        const quote = text.indexOf('"', from)
        if (quote === -1) throw new SyntaxError(`CSV: unterminated quoted field at offset ${i}`)
        if (text.charCodeAt(quote + 1) === QUOTE) {
          value += text.slice(from, quote + 1)
          from = quote + 2
          continue
        }
        value += text.slice(from, quote)
        i = quote + 1
        break
      }
      row.push(value)
    } else {
      let j = i
      while (j < end) {
        const c = text.charCodeAt(j)
        if (c === COMMA || c === LF || c === CR) break
        j += 1
      }
      row.push(text.slice(i, j))
      i = j
    }
    if (i >= end) break
    const next = text.charCodeAt(i)
    if (next === COMMA) {
      i += 1
      if (i === end) row.push('') // a last field that is empty
      continue
    }
    if (next === CR) i += 1
    if (i < end && text.charCodeAt(i) === LF) i += 1
    else if (next !== CR)
      throw new SyntaxError(`CSV: unexpected character after a field at offset ${i}`)
    onRow(row)
    rows += 1
    row.length = 0
  }
  if (row.length > 0) onRow(row)
  return i
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13
