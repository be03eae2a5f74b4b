/**
 * Parses hstore text output (`"a"=>"1", "b"=>NULL`) into an object; `null` or empty text gives
 * `{}`. Keys and values are double-quoted with `\"` and `\\` escapes, as Postgres prints them.
 */
export function parseHstore(text: string | null): Record<string, string | null> {
  const result: Record<string, string | null> = {}
  if (!text) return result
  let i = 0
  const readQuoted = (): string => {
    i += 1 // opening quote
    let out = ''
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i += 1
      out += text[i] ?? ''
      i += 1
    }
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
