/**
 * Salesforce record ids: 15 case-sensitive base-62 characters (`0-9A-Za-z`, in ASCII order), or
 * 18 with a suffix that makes them case-insensitive. @internal
 */

/** The digits of an id, in the order ids sort. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

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
