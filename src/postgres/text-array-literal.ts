/**
 * A `text[]` parameter written as PostgreSQL's array literal, for `unnest($1::text[], …)`:
 * `{"a","b \"quoted\"",NULL}`. The same text node-postgres writes for a JavaScript array, made in
 * one pass that escapes only the values that hold a quote or a backslash (node-postgres runs two
 * regular expressions over every value: on a 5 000-record batch of 20 columns, the largest single
 * cost of a pull's upsert on the Node side; docs/concepts/performance.md). @internal
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
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
