import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { main } from '../../src/cli/main.js'

/** Where a CLI test's `pgforce.config.ts` points. */
export interface CliConfigTarget {
  readonly instanceUrl: string
  readonly accessToken: string
  readonly databaseUrl: string
  readonly schema: string
  /** More engine options, as source text (e.g. `operations: { controlPollMs: 200 },`). */
  readonly extraOptions?: string
}

/**
 * A fresh directory holding a `pgforce.config.ts` as an operator writes one: an Account mapping
 * (Name, read/write) over the emulator (token login) and the test database, importing pgforce from
 * this checkout's sources. The CLI tests run `pgforce` in it. Returns the directory.
 */
export function writeCliConfig(prefix: string, target: CliConfigTarget): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  writeFileSync(
    join(dir, 'pgforce.config.ts'),
    `import { createConnection, defineMapping, type SyncEngineOptions } from ${JSON.stringify(resolve('src/index.ts'))}

export default async (): Promise<SyncEngineOptions> => ({
  connection: await createConnection({
    salesforce: { instanceUrl: ${JSON.stringify(target.instanceUrl)}, accessToken: ${JSON.stringify(target.accessToken)} },
    postgres: { connectionString: ${JSON.stringify(target.databaseUrl)} },
    schema: ${JSON.stringify(target.schema)},
  }),
  mappings: [defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })],
${target.extraOptions ? `  ${target.extraOptions}\n` : ''}})
`,
  )
  return dir
}

/** What one `pgforce` command printed, and its exit code. */
export interface CliRun {
  readonly code: number
  readonly out: string
  readonly err: string
}

/** Runs `pgforce <args>` in `dir` (in this process, as the bin does); resolves with its output. */
export async function runPgforce(dir: string, ...args: string[]): Promise<CliRun> {
  let out = ''
  let err = ''
  const io = {
    out: { write: (text: string) => (out += text) },
    err: { write: (text: string) => (err += text) },
    cwd: dir,
  }
  const code = await main(args, {}, io, new Promise(() => {}))
  return { code, out, err }
}
