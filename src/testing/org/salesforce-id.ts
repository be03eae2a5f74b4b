const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'

/**
 * The 3-character suffix that makes a 15-character Salesforce id case-insensitive: for each
 * 5-character chunk, a bit per upper-case letter, as an index into `A…Z0…5`.
 */
export function idChecksum(id15: string): string {
  let suffix = ''
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0
    for (let i = 0; i < 5; i += 1) {
      const char = id15.charAt(chunk * 5 + i)
      if (char >= 'A' && char <= 'Z') bits |= 1 << i
    }
    suffix += SUFFIX.charAt(bits)
  }
  return suffix
}

/** The 18-character form of a 15- or 18-character id; other strings are returned unchanged. */
export function to18(id: string): string {
  if (id.length === 15) return id + idChecksum(id)
  return id
}

/** A new 18-character id: key prefix, the sequence number in base 62 (12 chars), checksum. */
export function makeId(keyPrefix: string, sequence: number, pod = '0'): string {
  let body = ''
  let n = sequence
  for (let i = 0; i < 11; i += 1) {
    body = BASE62.charAt(n % 62) + body
    n = Math.floor(n / 62)
  }
  const id15 = `${keyPrefix}${pod}${body}`
  return id15 + idChecksum(id15)
}

/** Whether `value` looks like a Salesforce id (15 or 18 alphanumerics, valid checksum if 18). */
export function isSalesforceId(value: string): boolean {
  if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(value)) return false
  return value.length === 15 || idChecksum(value.slice(0, 15)) === value.slice(15).toUpperCase()
}
