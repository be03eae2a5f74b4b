const QUOTE = 34
const BACKSLASH = 92

/**
 * Parses hstore text output (`"a"=>"1", "b"=>NULL`) into an object; `null` or empty text gives
 * `{}`. Keys and values are double-quoted with `\"` and `\\` escapes, as Postgres prints them.
 */
export function parseHstore(text: string | null): Record<string, string | null> {
  const result: Record<string, string | null> = {}
  if (!text) return result
  let i = 0
  // Copies runs of plain characters as slices (one string per value, not one per character: a
  // claim parses thousands of entries, docs/concepts/design.md §5).
  const readQuoted = (): string => {
    i += 1 // opening quote
    let out = ''
    let from = i
    while (i < text.length) {
      const code = text.charCodeAt(i)
      if (code === QUOTE) break
      if (code === BACKSLASH) {
        out += text.slice(from, i)
        i += 1 // the escaped character starts the next run, whatever it is
        from = i
      }
      i += 1
    }
    out += text.slice(from, Math.min(i, text.length))
    i += 1 // closing quote
    return out
  }
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i += 1
    if (i >= text.length) break
    const key = readQuoted()
    i += 2 // =>
    if (text.startsWith('NULL', i)) {
      result[key] = null
      i += 4
    } else {
      result[key] = readQuoted()
    }
  }
  return result
}
