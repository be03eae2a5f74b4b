import { describe, expect, it } from 'vitest'
import { idBoundaries, idRangeConditions } from '../../../src/pull/id-ranges.js'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

describe('idBoundaries', () => {
  it('cuts the Ids between the first and the last into ranges of equal width', () => {
    // '1c' is 1·62 + 38 = 100 in base 62: the cuts are at 25 (P), 50 (o) and 75 (1·62 + 13, 1D).
    const boundaries = idBoundaries('001000000000000AAA', '00100000000001cAAA', 4)
    expect(boundaries).toEqual(['00100000000000P', '00100000000000o', '00100000000001D'])
  })

  it('gives strictly increasing boundaries inside the range, in ASCII (base-62) order', () => {
    const first = '0015g00000AbCdEfGh'
    const last = '0015g00000zZzZzZzZ'
    const boundaries = idBoundaries(first, last, 8)
    expect(boundaries).toHaveLength(7)
    expect([...boundaries].sort()).toEqual(boundaries)
    expect(new Set(boundaries).size).toBe(7)
    expect(String(boundaries[0]) > first.slice(0, 15)).toBe(true)
    expect(String(boundaries.at(-1)) < last.slice(0, 15)).toBe(true)
    for (const b of boundaries) expect([...b].every((c) => BASE62.includes(c))).toBe(true)
  })

  it('cuts nothing when the Ids are equal, too close, or not Ids', () => {
    expect(idBoundaries('001000000000001', '001000000000001', 4)).toEqual([])
    expect(idBoundaries('001000000000001', '001000000000002', 4)).toEqual([])
    expect(idBoundaries('nope', '001000000000002', 4)).toEqual([])
    expect(idBoundaries('001000000000009', '001000000000001', 4)).toEqual([])
  })
})

describe('idRangeConditions', () => {
  it('tiles every Id: open below the first boundary and above the last', () => {
    expect(idRangeConditions(['A', 'B'])).toEqual([
      "Id < 'A'",
      "Id >= 'A' AND Id < 'B'",
      "Id >= 'B'",
    ])
    expect(idRangeConditions([])).toEqual([undefined])
  })
})
