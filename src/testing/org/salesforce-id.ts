import { BASE62, idChecksum, to18 } from '../../salesforce/salesforce-id.js'

export { idChecksum, to18 }

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
