import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { exportMappings, SyncEngine } from '../index.js'
import { exportOptionsFor } from './export-options.js'
import { loadConfig } from './load-config.js'
import { ProgressBar } from './progress-bar.js'

/** Where a command writes: stdout for results, stderr for progress. */
export interface CliOutput {
  readonly out: { write(text: string): unknown; readonly isTTY?: boolean }
  readonly err: {
    write(text: string): unknown
    readonly isTTY?: boolean
    readonly columns?: number
  }
  readonly cwd: string
}

/** The options every operator command takes. */
export interface Common {
  readonly config?: string
  readonly json?: boolean
}

/**
 * Runs `work` with an engine built from the config (not started, without change sources unless
 * `keepSources`), closing its connection afterwards.
 */
export async function withEngine<T>(
  io: CliOutput,
  options: Common,
  work: (engine: SyncEngine) => Promise<T>,
  /** Keep the config's change sources (never started here; `diagnose` reports on them). */
  keepSources = false,
): Promise<T> {
  const config = await loadConfig(options.config, io.cwd)
  const engine = new SyncEngine(keepSources ? config : { ...config, sources: [] })
  // e.g. a username-password login Salesforce retires (docs/guides/authentication.md)
  for (const warning of config.connection.warnings ?? [])
    io.err.write(`pgforce: warning: ${warning.message}\n`)
  const bars = new Map<string, ProgressBar>()
  engine.on('load:progress', (event) => {
    let bar = bars.get(event.mapping)
    if (!bar) {
      bar = new ProgressBar(io.err, `loading ${event.mapping}`)
      bars.set(event.mapping, bar)
    }
    bar.update(event.done, event.total)
  })
  try {
    return await work(engine)
  } finally {
    await config.connection.close()
  }
}

/** Prints `value` as JSON with `--json`, else the human text. */
export function print(io: CliOutput, options: Common, value: unknown, human: () => string): void {
  io.out.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`)
}

/** `install`, `status`, `retry-failed`, `reload <object>`, `export`: the operator's commands. */
export function addAdminCommands(program: Command, io: CliOutput): void {
  const common = (command: Command) =>
    command
      .option('-c, --config <path>', 'config module (default: pgforce.config.{ts,mjs,js})')
      .option('--json', 'print JSON for scripts')

  common(
    program.command('install').description('create or upgrade the tables, triggers and indexes'),
  ).action(async (options: Common) => {
    await withEngine(io, options, async (engine) => {
      const report = await engine.install()
      print(io, options, report, () =>
        [
          `schema at version ${report.toVersion} (was ${report.fromVersion})`,
          `tables created: ${report.createdTables.join(', ') || 'none'}`,
          `columns added: ${report.addedColumns.join(', ') || 'none'}`,
          ...Object.entries(report.markedReadOnly).map(
            ([table, n]) =>
              `${table}: ${n} unsent change(s) marked READONLY (mapping now read_only)`,
          ),
          ...report.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      )
    })
  })

  common(program.command('status').description('what each mapping is doing')).action(
    async (options: Common) => {
      await withEngine(io, options, async (engine) => {
        const status = await engine.status()
        print(io, options, status, () =>
          [
            'mapping          access      pending  failed  refused  push lag   API calls today  cursor',
            ...status.mappings.map((m) =>
              [
                m.object.padEnd(16),
                m.access.padEnd(11),
                String(m.pending).padStart(7),
                String(m.failed).padStart(7),
                String(m.pullFailed).padStart(8),
                `${Math.round(m.pushLagMs / 1000)} s`.padStart(9),
                String(m.apiCallsToday).padStart(16),
                ` ${m.cursor?.systemModstamp ?? '-'}`,
              ].join(' '),
            ),
            status.apiUsage
              ? `org API usage: ${status.apiUsage.used} of ${status.apiUsage.max}`
              : 'org API usage: not reported yet',
          ].join('\n'),
        )
      })
    },
  )

  common(
    program
      .command('retry-failed')
      .description(
        'put FAILED trigger-log entries back in the queue (values refreshed from the rows)',
      )
      .option('-o, --object <name...>', 'only these objects')
      .option('--ignore', 'dismiss them instead (IGNORED, archived)'),
  ).action(async (options: Common & { object?: string[]; ignore?: boolean }) => {
    await withEngine(io, options, async (engine) => {
      const filter = options.object ? { objects: options.object } : {}
      const count = options.ignore
        ? await engine.ignoreFailed(filter)
        : await engine.retryFailed(filter)
      print(io, options, { [options.ignore ? 'ignored' : 'requeued']: count }, () =>
        options.ignore
          ? `${count} failed entries ignored`
          : `${count} failed entries requeued; a running engine sends them now`,
      )
    })
  })

  common(
    program
      .command('reload <object>')
      .description('read every record of a mapping again through Bulk 2.0 (the table stays whole)'),
  ).action(async (object: string, options: Common) => {
    await withEngine(io, options, async (engine) => {
      const report = await engine.reload(object)
      print(
        io,
        options,
        report,
        () =>
          `${report.mapping} reloaded: ${report.inserted} inserted, ${report.updated} updated, ${report.deleted} deleted in ${report.durationMs} ms`,
      )
    })
  })

  program
    .command('export')
    .description(
      "write the mapping configuration as Heroku Connect's export JSON (connect:export), which mappingsFromHerokuConnect() reads back",
    )
    .option('-c, --config <path>', 'config module (default: pgforce.config.{ts,mjs,js})')
    .option('-o, --out <file>', 'write it to this file instead of stdout')
    .option('--api-version <version>', "connection.api_version (default: the connection's)")
    .action(async (options: { config?: string; out?: string; apiVersion?: string }) => {
      const config = await loadConfig(options.config, io.cwd)
      try {
        const exported = exportMappings(
          config.mappings,
          exportOptionsFor(config, options.apiVersion),
        )
        const json = `${JSON.stringify(exported, null, 2)}\n`
        if (!options.out) {
          io.out.write(json)
          return
        }
        await writeFile(resolve(io.cwd, options.out), json)
        io.err.write(`${exported.mappings.length} mappings written to ${options.out}\n`)
      } finally {
        await config.connection.close()
      }
    })
}
