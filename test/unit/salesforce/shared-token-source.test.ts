import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PgClientLike, PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import { SharedTokenSource } from '../../../src/salesforce/auth/shared-token-source.js'
import { TokenSeal } from '../../../src/salesforce/auth/token-seal.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('SharedTokenSource', () => {
  it('logs in alone when no pool connection is free in time, and releases the late one', async () => {
    vi.useFakeTimers()
    let hand: (client: PgClientLike) => void = () => {}
    const released: unknown[] = []
    const pool = {
      query: async () => ({ rows: [{ exists: true }], rowCount: 1 }),
      connect: () =>
        new Promise<PgClientLike>((resolve) => {
          hand = resolve
        }),
      end: async () => {},
    } as unknown as PgPoolLike
    const session = { accessToken: 'fresh', instanceUrl: 'https://acme.my.salesforce.com' }
    const source = new SharedTokenSource(
      { pool, schema: 'salesforce' },
      'key',
      new TokenSeal(Buffer.from('secret'), 'key'),
      async () => session,
      5_000,
    )
    const renewed = source.renew('stale')
    await vi.advanceTimersByTimeAsync(5_000)
    await expect(renewed).resolves.toEqual(session)
    const late = {
      query: async () => ({ rows: [], rowCount: 0 }),
      release: (error?: unknown) => released.push(error ?? 'released'),
    }
    hand(late as unknown as PgClientLike)
    await vi.advanceTimersByTimeAsync(0)
    expect(released).toEqual(['released'])
  })
})
