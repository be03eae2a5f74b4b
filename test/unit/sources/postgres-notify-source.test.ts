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
    connection: { pool, schema: 'salesforce' } as unknown as Connection,
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
