import type { Server } from 'node:http'
import { type Command, InvalidArgumentError } from 'commander'
import { SyncEngine } from '../index.js'
import { EngineMetrics } from '../operations/engine-metrics.js'
import type { CliOutput } from './admin-commands.js'
import { startHealthServer } from './health-server.js'
import { jsonLogger, type LogLevel } from './json-logger.js'
import { loadConfig } from './load-config.js'

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`)
    return n
  }
}

function level(value: string): LogLevel {
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error') return value
  throw new InvalidArgumentError('expected debug, info, warn or error')
}

interface RunOptions {
  readonly config?: string
  readonly healthPort?: number
  readonly healthHost: string
  readonly install?: boolean
  readonly stopTimeout: number
  readonly logLevel: LogLevel
}

/**
 * `pgforce run`: runs the engine of `pgforce.config.*` as a service until `interrupted` resolves
 * (SIGTERM or SIGINT), then stops it gracefully within `--stop-timeout`; logs pino-style JSON
 * lines to stdout; `--health-port` serves `/healthz` and `/metrics` (docs/guides/operations.md).
 */
export function addRunCommand(
  program: Command,
  io: CliOutput,
  interrupted: Promise<void>,
  setExitCode: (code: number) => void,
): void {
  program
    .command('run')
    .description('run the sync as a service until SIGTERM or SIGINT (JSON log lines on stdout)')
    .option('-c, --config <path>', 'config module (default: pgforce.config.{ts,mjs,js})')
    .option('--health-port <port>', 'serve /healthz and /metrics on this port', integer(0, 65535))
    .option('--health-host <host>', 'address the health server listens on', '0.0.0.0')
    .option('--install', 'create or upgrade the schema first (as pgforce install)')
    .option(
      '--stop-timeout <ms>',
      'how long a stop waits for Salesforce calls in flight before giving them up',
      integer(0, 3_600_000),
      10_000,
    )
    .option('--log-level <level>', 'debug, info, warn or error', level, 'info')
    .action(async (options: RunOptions) => {
      const config = await loadConfig(options.config, io.cwd)
      const logger = config.logger ?? jsonLogger(io.out, options.logLevel)
      const log = { component: 'pgforce', command: 'run' }
      const engine = new SyncEngine({ ...config, logger })
      const metrics = new EngineMetrics(engine, config.connection.schema)
      let server: Server | undefined
      /** The stop ran past its bound: what it holds may never be released. */
      let stoppedLate = false
      try {
        if (options.install) await engine.install()
        if (options.healthPort !== undefined) {
          server = await startHealthServer(engine, metrics, options.healthPort, options.healthHost)
          const address = server.address()
          const port = typeof address === 'object' && address ? address.port : options.healthPort
          logger.info({ ...log, port }, `health and metrics on :${port} (/healthz, /metrics)`)
        }
        await engine.start()
        logger.info({ ...log }, 'running; SIGTERM or SIGINT stops it')
        await interrupted
        logger.info({ ...log, timeoutMs: options.stopTimeout }, 'stopping')
        const bound = options.stopTimeout + 5000
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), bound)
        })
        const outcome = await Promise.race([
          engine.stop({ graceful: true, timeoutMs: options.stopTimeout }).then(() => 'stopped'),
          late,
        ])
        clearTimeout(timer)
        if (outcome === 'late') {
          logger.error({ ...log, boundMs: bound }, `did not stop within ${bound} ms; exiting`)
          setExitCode(1)
          stoppedLate = true
          // Give up what is in flight; a run stuck in a query may still hold its connection.
          void engine.stop({ graceful: false }).catch(() => {})
          return
        }
        logger.info({ ...log }, 'stopped')
      } finally {
        metrics.close()
        if (server) {
          server.closeAllConnections()
          await new Promise((resolve) => server?.close(resolve))
        }
        // After a late stop, closing the pool waits for connections a stuck run never releases:
        // the process exits anyway, after a short wait.
        const closing = config.connection.close()
        if (stoppedLate) await Promise.race([closing.catch(() => {}), sleep(2_000)])
        else await closing
      }
    })
}

/** Resolves after `ms`, without keeping the process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
