import type {
  PgListenClientLike,
  PgPoolLike,
  QueryResultLike,
} from '../../src/postgres/pg-pool-like.js'

/** A checked-out client of {@link fakePool}: what it was asked, and how it was given back. */
export interface FakeClient extends PgListenClientLike {
  readonly queries: string[]
  /** `undefined` while checked out; the argument of `release()` after. */
  released: { readonly error: Error | boolean | undefined } | undefined
  /** Calls the listeners of `event` (e.g. `error`, as node-postgres does for a dropped socket). */
  emit(event: string, argument?: unknown): void
}

/**
 * A pool whose clients answer every query with no rows, except those `fails` picks: they reject
 * as a connection cut under the query would. `clients` lists every client handed out. Like a
 * server, `pg_notify(channel, payload)` sent through the pool reaches the clients checked out
 * that ran `LISTEN` (any channel) unless `deaf` (then nothing arrives, as behind a transaction
 * pooler).
 */
export function fakePool(
  fails: (sql: string) => boolean,
  options: { readonly deaf?: boolean } = {},
): PgPoolLike & {
  readonly clients: FakeClient[]
} {
  const clients: FakeClient[] = []
  const empty: QueryResultLike<never> = { rows: [], rowCount: 0 }
  return {
    clients,
    async query(text: string, values?: readonly unknown[]) {
      if (text.includes('pg_notify') && !options.deaf) {
        const [channel, payload] = (values ?? []) as string[]
        for (const client of clients) {
          if (client.released === undefined && client.queries.some((q) => q.startsWith('LISTEN')))
            setImmediate(() => client.emit('notification', { channel, payload }))
        }
      }
      return empty
    },
    end: async () => {},
    async connect() {
      const listeners = new Map<string, ((argument?: unknown) => void)[]>()
      const client: FakeClient = {
        queries: [],
        released: undefined,
        emit(event: string, argument?: unknown) {
          for (const listener of listeners.get(event) ?? []) listener(argument)
        },
        async query(text: unknown) {
          const sql = typeof text === 'string' ? text : String((text as { text: string }).text)
          client.queries.push(sql)
          if (fails(sql)) throw new Error('Connection terminated unexpectedly')
          return empty
        },
        release(error?: Error | boolean) {
          client.released = { error }
        },
        on(event: string, listener: (argument?: unknown) => void) {
          listeners.set(event, [...(listeners.get(event) ?? []), listener])
          return client
        },
        removeAllListeners(event?: string) {
          if (event === undefined) listeners.clear()
          else listeners.delete(event)
          return client
        },
      } as FakeClient
      clients.push(client)
      return client
    },
  }
}
