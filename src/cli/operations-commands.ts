import { userInfo } from 'node:os'
import { type Command, InvalidArgumentError } from 'commander'
import { HEROKU_CONNECT_STATES } from '../operations/mapping-state.js'
import { type CliOutput, type Common, print, withEngine } from './admin-commands.js'

/** `30m`, `2h`, `7d` or an ISO date: the time that long ago, or that date. */
export function parseSince(value: string, now = Date.now()): Date {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim())
  if (match) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      match[2] as 's' | 'm' | 'h' | 'd'
    ]
    return new Date(now - Number(match[1]) * unit)
  }
  const date = new Date(value)
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('expected an age (30m, 2h, 7d) or an ISO date')
  return date
}

const who = () => {
  try {
    return `pgforce CLI (${userInfo().username})`
  } catch {
    return 'pgforce CLI'
  }
}

const ago = (date: Date) => {
  const s = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000))
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`
}

/**
 * `pause`, `resume`, `state`, `errors` and `diagnose`: Heroku Connect's `connect:pause`,
 * `connect:resume`, `connect:state`, the write errors of its Explorer and `connect:diagnose`
 * (docs/guides/operations.md).
 */
export function addOperationsCommands(program: Command, io: CliOutput): void {
  const common = (command: Command) =>
    command
      .option('-c, --config <path>', 'config module (default: pgforce.config.{ts,mjs,js})')
      .option('--json', 'print JSON for scripts')

  for (const paused of [true, false]) {
    common(
      program
        .command(paused ? 'pause' : 'resume')
        .description(
          paused
            ? 'pause every worker on the database (changes keep accumulating in _trigger_log)'
            : 'resume every worker: what accumulated is sent at once',
        ),
    ).action(async (options: Common) => {
      await withEngine(io, options, async (engine) => {
        if (paused) await engine.pause(who())
        else await engine.resume(who())
        print(io, options, { paused }, () =>
          paused
            ? 'paused: running workers stop starting pulls and pushes within a second; changes accumulate (pgforce resume)'
            : 'resumed: running workers send what accumulated',
        )
      })
    })
  }

  common(program.command('state').description('the state of each mapping')).action(
    async (options: Common) => {
      await withEngine(io, options, async (engine) => {
        const status = await engine.status()
        const rows = status.mappings.map((m) => ({
          mapping: m.object,
          state: m.state,
          herokuConnectState: HEROKU_CONNECT_STATES[m.state][0],
          pending: m.pending,
          failed: m.failed,
          lastError: m.lastError?.message,
        }))
        print(
          io,
          options,
          { paused: status.paused, mappings: rows, warnings: status.warnings },
          () =>
            [
              `${'mapping'.padEnd(20)} ${'state'.padEnd(15)} ${'Heroku Connect'.padEnd(20)} pending  failed`,
              ...rows.map(
                (r) =>
                  `${r.mapping.padEnd(20)} ${r.state.padEnd(15)} ${(r.herokuConnectState ?? '').padEnd(20)} ${String(r.pending).padStart(7)} ${String(r.failed).padStart(7)}`,
              ),
              ...(status.paused ? ['paused: every worker holds its runs (pgforce resume)'] : []),
              ...status.warnings.map(
                (w) => `${w.level} ${w.kind}${w.mapping ? ` ${w.mapping}` : ''}: ${w.message}`,
              ),
            ].join('\n'),
        )
      })
    },
  )

  common(
    program
      .command('errors')
      .description('the writes Salesforce rejected: record, action, message and time')
      .option('-m, --mapping <object...>', 'only these mappings')
      .option('--since <age>', 'only errors since: 30m, 2h, 7d or an ISO date', (v) =>
        parseSince(v),
      )
      .option('--limit <n>', 'at most this many, newest first', (v) => Number(v), 100),
  ).action(async (options: Common & { mapping?: string[]; since?: Date; limit: number }) => {
    await withEngine(io, options, async (engine) => {
      const errors = await engine.writeErrors({
        objects: options.mapping,
        since: options.since,
        limit: options.limit,
      })
      print(io, options, errors, () =>
        errors.length === 0
          ? 'no write errors'
          : errors
              .map(
                (e) =>
                  `${e.failedAt.toISOString()}  ${e.mapping} ${e.action} row ${e.recordId}${e.sfid ? ` (${e.sfid})` : ''} [entry ${e.entryId}, ${ago(e.failedAt)}]\n    ${e.message}`,
              )
              .join('\n'),
      )
    })
  })

  common(
    program
      .command('diagnose')
      .description(
        'check the set-up as heroku connect:diagnose does: GREEN, YELLOW or RED with reasons',
      ),
  ).action(async (options: Common) => {
    await withEngine(
      io,
      options,
      async (engine) => {
        const diagnosis = await engine.diagnose()
        print(io, options, diagnosis, () => {
          const groups = new Map<string, typeof diagnosis.checks>([['', []]])
          for (const c of diagnosis.checks)
            groups.set(c.mapping ?? '', [...(groups.get(c.mapping ?? '') ?? []), c])
          const lines = [`overall: ${diagnosis.level}`]
          for (const [mapping, checks] of groups) {
            lines.push('', mapping || 'connection')
            for (const c of checks)
              lines.push(`  ${c.level.padEnd(6)} ${c.check.padEnd(18)} ${c.reason}`)
          }
          return lines.join('\n')
        })
      },
      true,
    )
  })
}
