import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer']

/**
 * The `pgbouncer` binary on this machine (Debian package `pgbouncer`), or undefined. Tests that
 * need one skip with one line when it is absent: `describe.skipIf(!pgBouncerBinary())`.
 */
export function pgBouncerBinary(): string | undefined {
  const found = CANDIDATES.find((path) => existsSync(path))
  if (found) return found
  try {
    return execFileSync('which', ['pgbouncer'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** A private PgBouncer in transaction mode in front of one test file's database. */
export interface PgBouncer {
  /** `databaseUrl` with host and port replaced by the pooler's. */
  url(databaseUrl: string): string
  readonly port: number
  /** The pooler's log so far (stderr), for a failing test. */
  readonly log: string
}

/**
 * Starts a PgBouncer for the calling test file (before its tests) and stops it after: its own
 * free port on 127.0.0.1, `pool_mode = transaction`, `default_pool_size` server connections per
 * database and user (3 by default, like a small hosted plan), `auth_type = any`, every database
 * forwarded to the server of `serverUrl()` as user `postgres`. As root it runs as `nobody`
 * (PgBouncer refuses to run as root).
 */
export function usePgBouncer(
  serverUrl: () => string,
  options: { poolSize?: number } = {},
): () => PgBouncer {
  let current: (PgBouncer & { stop(): Promise<void> }) | undefined
  beforeAll(async () => {
    current = await startPgBouncer(serverUrl(), options.poolSize ?? 3)
  }, 30_000)
  afterAll(async () => {
    await current?.stop()
  })
  return () => {
    if (!current) throw new Error('usePgBouncer(): the pooler runs only inside tests and hooks')
    return current
  }
}

async function startPgBouncer(
  serverUrl: string,
  poolSize: number,
): Promise<PgBouncer & { stop(): Promise<void> }> {
  const binary = pgBouncerBinary()
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)')
  const server = new URL(serverUrl)
  const user = decodeURIComponent(server.username || 'postgres')
  const password = decodeURIComponent(server.password)
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pgforce-pgbouncer-'))
  chmodSync(dir, 0o755)
  const config = join(dir, 'pgbouncer.ini')
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432} user=${user}${password ? ` password=${password}` : ''}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 500',
      'server_reset_query =',
      // Quiet: only what goes wrong.
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  )
  chmodSync(config, 0o644)
  const asRoot = process.getuid?.() === 0
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'nobody'] : []), config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`pgbouncer did not start:\n${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    port,
    get log() {
      return log
    },
    url(databaseUrl) {
      const url = new URL(databaseUrl)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      return url.toString()
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM') // exits at once, closing its client and server connections
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port')),
      )
    })
  })
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.connect(port, '127.0.0.1')
  })
}
