import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import { HeldClaims, MAX_HELD_LEASES } from '../../../src/store/held-claims.js'

/** A pool that records each renewal's entry ids; `hang` keeps every query from answering. */
function renewalPool(options: { hang?: boolean } = {}) {
  const renewals: number[][] = []
  const pool = {
    renewals,
    async query(_text: string, values: readonly unknown[] = []) {
      renewals.push([...((values[0] as number[] | undefined) ?? [])])
      if (options.hang) await new Promise(() => {})
      return { rows: [], rowCount: 0 }
    },
    async connect() {
      throw new Error('not used')
    },
    async end() {},
  }
  return pool as typeof pool & PgPoolLike
}

describe('HeldClaims (claims of the trigger log kept alive)', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('renews what it holds every third of the lease, and stops once nothing is held', async () => {
    const pool = renewalPool()
    const claims = new HeldClaims({ pool, schema: 's', leaseMs: 3_000 })
    claims.add([1, 2], '100')
    await vi.advanceTimersByTimeAsync(1_000)
    expect(pool.renewals).toEqual([[1, 2]])
    claims.drop([1])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(pool.renewals).toEqual([[1, 2], [2]])
    claims.drop([2])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pool.renewals).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it(`gives up a claim held ${MAX_HELD_LEASES} leases (a round that never ends)`, async () => {
    const pool = renewalPool()
    const claims = new HeldClaims({ pool, schema: 's', leaseMs: 3_000 })
    claims.add([1], '100')
    await vi.advanceTimersByTimeAsync(MAX_HELD_LEASES * 3_000 + 1_000)
    const made = pool.renewals.length
    expect(made).toBeGreaterThan(30)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pool.renewals).toHaveLength(made)
    expect(claims.claimsOf([1]).ids).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('makes one renewal at a time when the database is slow to answer', async () => {
    const pool = renewalPool({ hang: true })
    const claims = new HeldClaims({ pool, schema: 's', leaseMs: 3_000 })
    claims.add([1], '100')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pool.renewals).toHaveLength(1)
    claims.drop([1])
  })

  it("clamps the renewal interval of a lease too long for Node's timers (not one renewal per millisecond)", async () => {
    const pool = renewalPool()
    const claims = new HeldClaims({ pool, schema: 's', leaseMs: 2 ** 40 })
    claims.add([1], '100')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pool.renewals).toHaveLength(0)
    claims.drop([1])
  })
})
