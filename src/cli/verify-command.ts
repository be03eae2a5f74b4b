import { type Command, InvalidArgumentError } from 'commander'
import type { VerifyReport } from '../index.js'
import { type CliOutput, type Common, print, withEngine } from './admin-commands.js'

/** `pgforce verify`'s exit code when drift remains (1 is an error, as for every command). */
export const DRIFT_EXIT_CODE = 2

/** Records listed per mapping in the human output (`--json` has them all). */
const LISTED = 20

interface VerifyCommandOptions extends Common {
  readonly sample?: number
  readonly recent?: number
  readonly repair?: boolean
}

function count(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0')
  return n
}

/**
 * `pgforce verify [objects...] [--sample N] [--recent N] [--repair] [--json]`: `engine.verify()`
 * from the command line (docs/guides/operations.md, "Verify and repair"). Reports each mapping's
 * counts and drifted records; exits with {@link DRIFT_EXIT_CODE} unless every mapping is in sync
 * (after the repair, with `--repair`), so a cron job or CI step can alert on it.
 */
export function addVerifyCommand(
  program: Command,
  io: CliOutput,
  setExitCode: (code: number) => void,
): void {
  program
    .command('verify [objects...]')
    .description(
      'compare Salesforce and Postgres: counts and a sample of values; exit code 2 on drift',
    )
    .option('-c, --config <path>', 'config module (default: pgforce.config.{ts,mjs,js})')
    .option('--json', 'print JSON for scripts')
    .option('--sample <n>', 'random rows per mapping read back by id (default 200)', count)
    .option('--recent <n>', 'most recently modified records per mapping (default 100)', count)
    .option('--repair', 're-pull the drifted records by id, then check them again')
    .action(async (objects: string[], options: VerifyCommandOptions) => {
      await withEngine(io, options, async (engine) => {
        const reports = await engine.verify({
          ...(objects.length > 0 ? { objects } : {}),
          ...(options.sample !== undefined ? { sample: options.sample } : {}),
          ...(options.recent !== undefined ? { recent: options.recent } : {}),
          repair: options.repair === true,
        })
        print(io, options, reports, () => reports.map(describeReport).join('\n'))
        setExitCode(reports.every((r) => r.inSync) ? 0 : DRIFT_EXIT_CODE)
      })
    })
}

/** One mapping's report for people: a summary line, then the drifted records. */
function describeReport(report: VerifyReport): string {
  const missing = report.missingInPostgres.length + report.missingInSalesforce.length
  const lines = [
    `${report.mapping}: ${report.inSync ? 'in sync' : 'DRIFT'} — ${report.salesforceCount} in Salesforce, ${report.postgresCount} in Postgres; ${report.sampled} sampled: ${report.differing.length} differing, ${missing} missing, ${report.unsent.length} with unsent changes, ${report.notYetPulled.length} not pulled yet${report.repaired.length > 0 ? `; ${report.repaired.length} repaired` : ''}`,
  ]
  const repaired = new Set(report.repaired)
  const records: [sfid: string, what: string][] = [
    ...report.differing.map((d): [string, string] => [
      d.sfid,
      d.fields
        .map(
          (f) =>
            `${f.field} (${f.column}): Salesforce ${JSON.stringify(f.salesforce)}, Postgres ${JSON.stringify(f.postgres)}`,
        )
        .join('; '),
    ]),
    ...report.missingInPostgres.map((sfid): [string, string] => [sfid, 'missing in Postgres']),
    ...report.missingInSalesforce.map((sfid): [string, string] => [sfid, 'missing in Salesforce']),
  ]
  for (const [sfid, what] of records.slice(0, LISTED))
    lines.push(`  ${sfid} ${what}${repaired.has(sfid) ? ' (repaired)' : ''}`)
  if (records.length > LISTED) lines.push(`  … ${records.length - LISTED} more (--json lists all)`)
  if (report.salesforceCount !== report.postgresCount)
    lines.push(`  the counts differ: \`pgforce reload ${report.mapping}\` reads the mapping again`)
  return lines.join('\n')
}
