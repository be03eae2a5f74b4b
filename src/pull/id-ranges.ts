import { BASE62 } from '../salesforce/salesforce-id.js'

/**
 * Splitting a large Bulk 2.0 load into jobs by record Id (docs/concepts/performance.md, "Initial
 * load"). Salesforce Ids order by their first 15 characters, which are a base-62 number
 * (`0-9A-Za-z`, in ASCII order): boundaries interpolated between the first and the last Id cut
 * the object into ranges of about equal width. The ranges tile every Id — the first has no lower
 * bound, the last no upper one — so a record is read by exactly one job however the Ids are spread;
 * an uneven spread only makes some jobs larger than others. @internal
 */

const WIDTH = 15

/**
 * The `parts - 1` Ids that cut `[first, last]` into `parts` ranges of equal width (15-character
 * Ids, as SOQL accepts them), strictly increasing; fewer when the two Ids are too close to cut.
 */
export function idBoundaries(first: string, last: string, parts: number): string[] {
  const low = toNumber(first)
  const high = toNumber(last)
  const boundaries: string[] = []
  if (low === undefined || high === undefined || high <= low) return boundaries
  const steps = BigInt(Math.max(1, Math.floor(parts)))
  let previous = low
  for (let k = 1n; k < steps; k += 1n) {
    const cut = low + ((high - low) * k) / steps
    if (cut > previous) boundaries.push(toId(cut))
    previous = cut
  }
  return boundaries
}

/**
 * SOQL conditions for the ranges `boundaries` cut: `Id < b1`, `Id >= b1 AND Id < b2`, …,
 * `Id >= bn`; one condition `undefined` (everything) without boundaries.
 */
export function idRangeConditions(boundaries: readonly string[]): (string | undefined)[] {
  if (boundaries.length === 0) return [undefined]
  return [
    `Id < '${boundaries[0]}'`,
    ...boundaries.slice(1).map((b, i) => `Id >= '${boundaries[i]}' AND Id < '${b}'`),
    `Id >= '${boundaries.at(-1)}'`,
  ]
}

/** The first 15 characters of a Salesforce Id as a number; undefined for anything else. */
function toNumber(id: string): bigint | undefined {
  if (!/^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(id)) return undefined
  let n = 0n
  for (const char of id.slice(0, WIDTH)) n = n * 62n + BigInt(BASE62.indexOf(char))
  return n
}

function toId(n: bigint): string {
  let id = ''
  let rest = n
  for (let i = 0; i < WIDTH; i += 1) {
    id = BASE62.charAt(Number(rest % 62n)) + id
    rest /= 62n
  }
  return id
}
