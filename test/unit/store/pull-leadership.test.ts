import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import type { PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import { PullLeadership } from '../../../src/store/pull-leadership.js'
import { waitFor } from '../../support/wait-for.js'

/**
 * A pool over one in-memory lease table, as `_pgforce_pull_leader` behaves: a claim wins when no
 * row is there, the row is the claimant's, or it expired. `renewals: false` makes renewals fail
 * (the database is unreachable for them).
 */
function leasePool(options: { renewals?: boolean } = {}) {
  const rows = new Map<string, { holder: string; expires: number }>()
  const statements: string[] = []
  const pool = {
    statements,
    rows,
    async query(text: string, values: readonly unknown[] = []) {
      statements.push(text.trim().split(/\s+/)[0] ?? '')
      if (text.includes('INSERT INTO')) {
        const [object, holder, secs] = values as [string, string, number]
        const row = rows.get(object)
        if (row && row.holder !== holder && row.expires > Date.now())
          return { rows: [], rowCount: 0 }
        rows.set(object, { holder, expires: Date.now() + secs * 1000 })
        return { rows: [{ holder }], rowCount: 1 }
      }
      if (text.includes('UPDATE')) {
        if (options.renewals === false) throw new Error('Connection terminated unexpectedly')
        const [holder, objects, secs] = values as [string, string[], number]
        const renewed = objects.filter((o) => rows.get(o)?.holder === holder)
        for (const o of renewed) rows.set(o, { holder, expires: Date.now() + secs * 1000 })
        return { rows: renewed.map((object) => ({ object })), rowCount: renewed.length }
      }
      if (text.includes('DELETE')) {
        const [holder, objects] = values as [string, string[]]
        for (const o of objects) if (rows.get(o)?.holder === holder) rows.delete(o)
        return { rows: [], rowCount: 0 }
      }
      return { rows: [], rowCount: 0 }
    },
    connect: async () => {
      throw new Error('a lease needs no session')
    },
    end: async () => {},
  }
  return pool as typeof pool & PgPoolLike
}

/**
 * A session pool for the pull-request LISTEN whose first connection is cut before it listened
 * (the server terminated it), and whose later ones work (no notification ever arrives).
 */
function sessionPoolCutOnce() {
  let opened = 0
  const pool = {
    get opened() {
      return opened
    },
    async connect() {
      opened += 1
      const cut = opened === 1
      const client = Object.assign(new EventEmitter(), {
        release: () => {},
        async query(text: string) {
          if (cut) throw new Error('terminating connection due to administrator command')
          return { rows: text.includes('pg_backend_pid') ? [{ pid: 4242 }] : [], rowCount: 0 }
        },
      })
      return client
    },
    query: async () => ({ rows: [], rowCount: 0 }),
    end: async () => {},
  }
  return pool as typeof pool & PgPoolLike
}

describe('PullLeadership (lease rows)', () => {
  it('its LISTEN cut before it listened: it gives up, claims again, and listens again', async () => {
    const pool = leasePool()
    const sessionPool = sessionPoolCutOnce()
    const log: string[] = []
    const a = new PullLeadership(
      pool,
      's',
      (o, l) => log.push(`${l ? 'leads' : 'left'} ${o}`),
      () => {},
      { sessionPool },
    )
    expect(await a.lead('Account')).toBe(true)
    // Its session is gone: another engine may take over at once, so it stops leading.
    await waitFor(() => a.leading.size === 0, 2_000, 'a to give up')
    expect(await a.lead('Account')).toBe(true) // the next pull claims again
    await waitFor(() => sessionPool.opened === 2, 2_000, 'a new LISTEN connection')
    expect(log).toEqual(['leads Account', 'left Account', 'leads Account'])
    await a.close()
  })

  it('one of two engines leads a mapping; the other takes over once it released', async () => {
    const pool = leasePool()
    const log: string[] = []
    const a = new PullLeadership(pool, 's', (o, l) => log.push(`a ${l ? 'leads' : 'left'} ${o}`))
    const b = new PullLeadership(pool, 's', (o, l) => log.push(`b ${l ? 'leads' : 'left'} ${o}`))
    expect(await a.lead('Account')).toBe(true)
    expect(await b.lead('Account')).toBe(false)
    expect(await a.lead('Account')).toBe(true) // still leading: no statement needed
    expect(pool.statements.filter((s) => s === 'INSERT')).toHaveLength(2)
    await a.close()
    expect(pool.rows.size).toBe(0)
    expect(await b.lead('Account')).toBe(true)
    expect(await a.lead('Account')).toBe(false) // closed: never again
    expect(log).toEqual(['a leads Account', 'a left Account', 'b leads Account'])
    await b.close()
  })

  it('a dead leader (no release) is taken over once its lease expired', async () => {
    const pool = leasePool()
    const a = new PullLeadership(pool, 's', () => {}, undefined, { leaseMs: 60 })
    const b = new PullLeadership(pool, 's', () => {}, undefined, { leaseMs: 60 })
    expect(await a.lead('Account')).toBe(true)
    // a "dies": its row stays until it expires.
    pool.rows.set('account', { holder: 'dead', expires: Date.now() + 60 })
    expect(await b.lead('Account')).toBe(false)
    await waitFor(async () => await b.lead('Account'), 2_000, 'b to take over')
    await a.close()
    await b.close()
  })

  it('stops leading by its own clock, before the lease can expire, when renewals fail', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date', 'performance'] })
    try {
      const pool = leasePool({ renewals: false })
      let leftAt = 0
      const a = new PullLeadership(pool, 's', (_, l) => (leftAt = l ? 0 : Date.now()), undefined, {
        leaseMs: 80,
      })
      const claimed = Date.now()
      expect(await a.lead('Account')).toBe(true)
      const expires = pool.rows.get('account')?.expires ?? 0
      expect(expires - claimed).toBe(80)
      await vi.advanceTimersByTimeAsync(30) // one renewal failed: still within half the lease
      expect(a.leading.size).toBe(1)
      await vi.advanceTimersByTimeAsync(30)
      // It gave up at half the lease, before another engine could claim the row.
      expect(leftAt - claimed).toBe(40)
      expect(leftAt).toBeLessThan(expires)
      expect(a.leading.size).toBe(0)
      expect(await a.lead('Account')).toBe(true) // its own row: it claims it again
      await a.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
