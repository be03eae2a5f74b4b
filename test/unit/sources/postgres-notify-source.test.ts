import { describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { SourceConnectionEvent } from '../../../src/sources/change-source.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { fakePool } from '../../support/fake-pg-client.js'
import { waitFor } from '../../support/wait-for.js'

const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })

function start(source: PostgresNotifySource, pool: ReturnType<typeof fakePool>) {
  const events: SourceConnectionEvent[] = []
  const started = source.start({
    connection: { pool, sessionPool: pool, schema: 'salesforce' } as unknown as Connection,
    salesforce: () => {
      throw new Error('LISTEN needs no Salesforce')
    },
    mappings: [account],
    signal: () => {},
    abortSignal: new AbortController().signal,
    reportError: () => {},
    reportConnection: (event) => events.push(event),
  })
  return { started, events }
}

describe('PostgresNotifySource', () => {
  it('gives back a connection whose LISTEN failed at start', async () => {
    const pool = fakePool((sql) => sql.startsWith('LISTEN'))
    const source = new PostgresNotifySource()
    await expect(start(source, pool).started).rejects.toThrow('Connection terminated')
    expect(pool.clients[0]?.released?.error).toBeInstanceOf(Error)
    await source.stop()
  })

  it('gives back connections whose LISTEN failed while re-listening, and listens again', async () => {
    let listens = 0
    // The first LISTEN works; the next two fail (the server is restarting); the fourth works.
    const pool = fakePool((sql) => {
      if (!sql.startsWith('LISTEN')) return false
      listens += 1
      return listens === 2 || listens === 3
    })
    const source = new PostgresNotifySource({ reconnectDelayMs: 1 })
    const { started, events } = start(source, pool)
    await started
    pool.clients[0]?.emit('error', new Error('terminating connection due to administrator command'))
    await waitFor(() => events.at(-1)?.state === 'connected' && events.length > 1, 2_000)
    expect(pool.clients).toHaveLength(4)
    // The dropped one and the two that failed are given back; the last one listens.
    expect(pool.clients.map((c) => c.released !== undefined)).toEqual([true, true, true, false])
    await source.stop()
    expect(pool.clients[3]?.released).toBeDefined()
  })
})

describe('PostgresNotifySource behind a transaction pooler', () => {
  function startWith(pool: ReturnType<typeof fakePool>, source: PostgresNotifySource) {
    const events: SourceConnectionEvent[] = []
    const reasons: string[] = []
    const started = source.start({
      connection: { pool, sessionPool: pool, schema: 'salesforce' } as unknown as Connection,
      salesforce: () => {
        throw new Error('LISTEN needs no Salesforce')
      },
      mappings: [account],
      signal: (change) => reasons.push(change.reason),
      abortSignal: new AbortController().signal,
      reportError: () => {},
      reportConnection: (event) => events.push(event),
    })
    return { started, events, reasons }
  }

  it('proves LISTEN receives: a probe comes back, and it says connected', async () => {
    const pool = fakePool(() => false)
    const source = new PostgresNotifySource({ probeTimeoutMs: 1_000 })
    const { started, events } = startWith(pool, source)
    await started
    await waitFor(() => source.receiving, 2_000, 'the probe')
    expect(events.map((e) => e.state)).toEqual(['connected'])
    await source.stop()
  })

  it('a deaf LISTEN is said once, the trigger log is polled meanwhile, and a LISTEN that works again is said', async () => {
    const deaf = { deaf: true }
    const pool = fakePool(() => false, deaf)
    const source = new PostgresNotifySource({
      probeTimeoutMs: 20,
      probeIntervalMs: 100,
      fallbackPollMs: 10,
    })
    const { started, events, reasons } = startWith(pool, source)
    await started
    await waitFor(() => events.length > 0, 2_000, 'the deaf LISTEN to be said')
    expect(events[0]?.state).toBe('reconnecting')
    expect(events[0]?.reason?.message).toContain('sessionConnectionString')
    // It tries a new LISTEN every 100 ms; still deaf, it says nothing more, and polls.
    await waitFor(() => pool.clients.length >= 3, 2_000, 'two more tries')
    expect(events).toHaveLength(1)
    expect(reasons.filter((r) => r === 'poll').length).toBeGreaterThan(3)
    expect(source.receiving).toBe(false)

    deaf.deaf = false
    await waitFor(() => source.receiving, 2_000, 'a LISTEN that receives')
    expect(events.map((e) => e.state)).toEqual(['reconnecting', 'connected'])
    const polls = reasons.filter((r) => r === 'poll').length
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(reasons.filter((r) => r === 'poll').length).toBe(polls) // polling stopped
    await source.stop()
    expect(pool.clients.every((c) => c.released !== undefined)).toBe(true)
  })
})
