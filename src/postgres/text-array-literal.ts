/**
 * A `text[]` parameter written as PostgreSQL's array literal, for `unnest($1::text[], …)`:
 * `{"a","b \"quoted\"",null}`. Made by `JSON.stringify`, whose output is a valid array literal
 * for the same values whenever none holds a control character or a lone surrogate: strings quoted,
 * `"` and `\` escaped with a backslash as Postgres reads them, and `null` unquoted, which Postgres
 * reads as NULL (in any case). One native pass and one flat string, where building the literal
 * value by value made several times the batch's size in short-lived strings: on a 300 000-record
 * load, the largest share of what the engine allocated (docs/concepts/performance.md, "Memory").
 * Values JSON would escape differently (`\n` for a line break, `\u…`) take the value-by-value
 * path, which writes what node-postgres writes. @internal
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]
    if (typeof value === 'string' && JSON_ESCAPES_APART.test(value)) return escapedOneByOne(values)
  }
  const json = JSON.stringify(values)
  // Joined, not concatenated: one flat string, where `{` + … + `}` made a rope that node-postgres
  // flattens into a second copy as it measures it (docs/concepts/performance.md, "Memory").
  return ['{', json.slice(1, -1), '}'].join('')
}

/**
 * Characters JSON writes as an escape Postgres would read differently: control characters, and
 * lone surrogates (`u`: a well-formed pair, an emoji, is one character JSON leaves as it is).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const JSON_ESCAPES_APART = /[\u0000-\u001f\ud800-\udfff]/u

/** The literal built value by value, as node-postgres writes it. */
function escapedOneByOne(values: readonly (string | null)[]): string {
  let literal = '{'
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) literal += ','
    const value = values[i]
    if (value === null || value === undefined) literal += 'NULL'
    else literal += `"${NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value}"`
  }
  return `${literal}}`
}

const NEEDS_ESCAPE = /["\\]/
const ESCAPED = /["\\]/g
