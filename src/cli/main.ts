import { Command, InvalidArgumentError } from 'commander'
import { VERSION } from '../version.js'
import { addAdminCommands, type CliOutput } from './admin-commands.js'
import { addDashboardCommand } from './dashboard-command.js'
import { runDemo } from './demo/run-demo.js'
import { addImportCommand } from './import-command.js'
import { addOperationsCommands } from './operations-commands.js'
import { addRunCommand } from './run-command.js'
import { addVerifyCommand } from './verify-command.js'

function positive(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}

/**
 * The `pgforce` command line: `demo`, `run`, `install`, `status`, `state`, `errors`, `pause`,
 * `resume`, `diagnose`, `retry-failed`, `reload <object>`, `verify [objects...]`, `export`,
 * `import`, `dashboard`.
 * `env` is read here, at the edge (the library itself never reads `process.env`). Resolves with
 * the exit code.
 */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliOutput,
  interrupted: Promise<void>,
): Promise<number> {
  let exitCode = 0
  const program = new Command('pgforce')
    .description('Two-way Salesforce ↔ PostgreSQL sync, Heroku Connect compatible')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
    })
  program
    .command('demo')
    .description('see two-way sync work: embedded PostgreSQL (or DATABASE_URL) and the emulator')
    .option('--changes <n>', 'changes to make on each side', positive, 10)
    .option('--records <n>', 'Accounts (and Contacts) to seed', positive, 300)
    .option('--short', 'a quick run (3 changes each way, 50 records), as CI runs it')
    .action(async (options: { changes: number; records: number; short?: boolean }) => {
      exitCode = await runDemo(io, {
        changes: options.short ? 3 : options.changes,
        records: options.short ? 50 : options.records,
        databaseUrl: env.DATABASE_URL,
        interrupted,
      })
    })
  addAdminCommands(program, io)
  addOperationsCommands(program, io)
  addImportCommand(program, io)
  addRunCommand(program, io, interrupted, (code) => {
    exitCode = code
  })
  addVerifyCommand(program, io, (code) => {
    exitCode = code
  })
  addDashboardCommand(program, io, env, interrupted)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (error) {
    const code = (error as { exitCode?: unknown }).exitCode
    if (typeof code === 'number') return code // commander: --help, --version, usage errors
    io.err.write(`pgforce: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}
