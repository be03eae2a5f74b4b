/**
 * A short, human description of a received value for error messages: `"readwrite" (string)`,
 * `42 (number)`, `[] (array)`. With `secret`, the value itself is never shown.
 * @internal
 */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing (undefined)'
  if (value === null) return 'null'
  if (secret) return `a hidden value (${typeOf(value)})`
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)} (string)`
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${String(value)} (${typeof value})`
    case 'function':
      return 'a function'
    default:
      if (Array.isArray(value))
        return value.length === 0 ? '[] (array)' : `an array of ${value.length}`
      return `${typeOf(value)}`
  }
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object' && value !== null) {
    const name = value.constructor?.name
    return name && name !== 'Object' ? `an instance of ${name}` : 'an object'
  }
  return typeof value
}
