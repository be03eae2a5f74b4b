import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Command, InvalidArgumentError } from 'commander'
import { createDashboard } from '../dashboard.js'
import { SyncEngine } from '../index.js'
import type { CliOutput } from './admin-commands.js'
import { loadConfig } from './load-config.js'

interface DashboardCommandOptions {
  readonly config?: string
  readonly port: number
  readonly host: string
  readonly actions?: boolean
  readonly sync: boolean
}

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port')
  return n
}

/**
 * `pgforce dashboard --port N`: the page `createDashboard()` serves, on its own server, for the
 * engine of `pgforce.config` (docs/guides/dashboard.md). The engine runs in this process (one
 * more worker: pulls are led by one worker, pushes are shared), so the live feed shows what it
 * moves; `--no-sync` only shows the database's view. Basic auth from `PGFORCE_DASHBOARD_USER` and
 * `PGFORCE_DASHBOARD_PASSWORD`. Runs until Ctrl-C.
 */
export function addDashboardCommand(
  program: Command,
  io: CliOutput,
  env: Readonly<Record<string, string | undefined>>,
  interrupted: Promise<void>,
): void {
  program
    .command('dashboard')
    .description('serve the web dashboard (and run the sync) until interrupted')
    .option('-c, --config <path>', 'config module (default: pgforce.config.{ts,mjs,js})')
    .option('-p, --port <n>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--actions', 'allow retry, ignore, pause and resume from the page')
    .option('--no-sync', 'do not run the sync in this process; only show the database')
    .action(async (options: DashboardCommandOptions) => {
      const password = env.PGFORCE_DASHBOARD_PASSWORD
      // Without a password the page is for this machine only: reachable from a network it would
      // let anyone there read record values (and act, with --actions).
      if (!password && !isLoopback(options.host))
        throw new Error(
          `--host ${options.host} serves the dashboard beyond this machine: set PGFORCE_DASHBOARD_PASSWORD (basic auth) to do so`,
        )
      const config = await loadConfig(options.config, io.cwd)
      const engine = new SyncEngine(options.sync ? config : { ...config, sources: [] })
      const username = env.PGFORCE_DASHBOARD_USER
      const dashboard = createDashboard({
        engine,
        actions: options.actions === true,
        ...(password ? { auth: { username: username ?? 'pgforce', password } } : {}),
      })
      engine.on('error', ({ error, context }) =>
        io.err.write(`pgforce: ${context}: ${error.message}\n`),
      )
      // Without a password, only requests addressed to this machine by name (a page of another
      // site that rebinds its name to 127.0.0.1 sends its own name as Host: DNS rebinding).
      const server = createServer((req, res) => {
        if (!password && !isLoopback(hostName(req.headers.host))) {
          res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' })
          res.end('This dashboard answers only to localhost, 127.0.0.1 and [::1]\n')
          return
        }
        dashboard(req, res)
      })
      try {
        if (options.sync) await engine.start()
        server.listen(options.port, options.host)
        await once(server, 'listening')
        const { address, port } = server.address() as AddressInfo
        const host = address.includes(':') ? `[${address}]` : address
        io.out.write(
          `pgforce dashboard on http://${host}:${port}/ (${options.actions ? 'actions on' : 'read-only'}${password ? ', basic auth' : ''}${options.sync ? ', syncing' : ''})\n`,
        )
        await interrupted
      } finally {
        dashboard.close()
        server.closeAllConnections()
        server.close()
        await engine.stop()
        await config.connection.close()
      }
    })
}

/** Whether `host` names this machine's loopback interface. */
function isLoopback(host: string): boolean {
  return ['localhost', '127.0.0.1', '::1', '[::1]'].includes(host.toLowerCase())
}

/** The name in a Host header, without its port (`[::1]:8080` → `[::1]`). */
function hostName(header: string | undefined): string {
  if (!header) return ''
  return header.startsWith('[')
    ? header.slice(0, header.indexOf(']') + 1)
    : (header.split(':')[0] ?? '')
}
