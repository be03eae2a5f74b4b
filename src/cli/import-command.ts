import { readFile, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError, type Mapping, mappingsFromHerokuConnect } from '../index.js'
import type { HerokuConnectExport } from '../mappings/heroku-connect-export.js'
import { type CliOutput, print } from './admin-commands.js'
import { loadConfig } from './load-config.js'

/** How a mapping of the file differs from the config's mapping of the same object. */
function differences(from: Mapping, to: Mapping): string[] {
  const fields = (m: Mapping) => m.fields.map((f) => f.field.toLowerCase()).sort()
  const out: string[] = []
  if (from.access !== to.access) out.push(`access ${from.access} → ${to.access}`)
  if (from.table !== to.table) out.push(`table ${from.table} → ${to.table}`)
  if (from.pollIntervalMs !== to.pollIntervalMs)
    out.push(`poll every ${from.pollIntervalMs / 1000} s → ${to.pollIntervalMs / 1000} s`)
  const before = new Set(fields(from))
  const after = new Set(fields(to))
  const added = [...after].filter((f) => !before.has(f))
  const removed = [...before].filter((f) => !after.has(f))
  if (added.length) out.push(`fields added: ${added.join(', ')}`)
  if (removed.length) out.push(`fields removed: ${removed.join(', ')}`)
  return out
}

/** The module `--out` writes: the export's mappings, read at load time (nothing is retyped). */
function mappingsModule(jsonPath: string): string {
  return `// Written by \`pgforce import\`: the mappings of Heroku Connect's export ${jsonPath}.
// In pgforce.config.ts: import { mappings } from './<this file>.js', then \`pgforce install\`.
import { readFileSync } from 'node:fs'
import { mappingsFromHerokuConnect } from 'pgforce'

const exported = JSON.parse(readFileSync(new URL(${JSON.stringify(jsonPath)}, import.meta.url), 'utf8'))

export const { mappings, writeAlgorithm, bulkWrites, apiVersion, dailyApiCalls, streamingObjects, notes } =
  mappingsFromHerokuConnect(exported)
`
}

/**
 * `pgforce import <file>`: reads Heroku Connect's export JSON (`connect:export`, or
 * `pgforce export`), checks every mapping converts, says how it differs from the config's
 * mappings, and with `--out` writes a module exporting them for `pgforce.config.ts`.
 */
export function addImportCommand(program: Command, io: CliOutput): void {
  program
    .command('import <file>')
    .description(
      "read Heroku Connect's export JSON (connect:export): check it, compare it with the config, and with --out write a mappings module",
    )
    .option('-c, --config <path>', 'config to compare with (default: pgforce.config.{ts,mjs,js})')
    .option('-o, --out <module>', 'write a module exporting the mappings (e.g. mappings.ts)')
    .option('--json', 'print JSON for scripts')
    .action(async (file: string, options: { config?: string; out?: string; json?: boolean }) => {
      const path = resolve(io.cwd, file)
      const exported = JSON.parse(await readFile(path, 'utf8')) as HerokuConnectExport
      const imported = mappingsFromHerokuConnect(exported)
      let current: readonly Mapping[] | undefined
      try {
        const config = await loadConfig(options.config, io.cwd)
        current = config.mappings
        await config.connection.close()
      } catch (error) {
        if (!(error instanceof ConfigError) || options.config) throw error // none: nothing to compare
      }
      const byObject = new Map(current?.map((m) => [m.object.toLowerCase(), m]))
      const comparison = current && {
        added: imported.mappings
          .filter((m) => !byObject.has(m.object.toLowerCase()))
          .map((m) => m.object),
        removed: current
          .filter(
            (m) =>
              !imported.mappings.some((i) => i.object.toLowerCase() === m.object.toLowerCase()),
          )
          .map((m) => m.object),
        changed: imported.mappings.flatMap((m) => {
          const before = byObject.get(m.object.toLowerCase())
          const diff = before ? differences(before, m) : []
          return diff.length ? [{ mapping: m.object, differences: diff }] : []
        }),
      }
      if (options.out) {
        const out = resolve(io.cwd, options.out)
        let json = relative(dirname(out), path)
        if (!json.startsWith('.')) json = `./${json}`
        await writeFile(out, mappingsModule(json))
      }
      const summary = {
        mappings: imported.mappings.map((m) => ({
          object: m.object,
          table: m.table,
          access: m.access,
          fields: m.fields.map((f) => f.field),
        })),
        writeAlgorithm: imported.writeAlgorithm,
        apiVersion: imported.apiVersion,
        notes: imported.notes,
        comparedWithConfig: comparison,
        written: options.out,
      }
      print(io, { json: options.json }, summary, () =>
        [
          `${imported.mappings.length} mappings in ${file}:`,
          ...imported.mappings.map(
            (m) => `  ${m.object} → ${m.table} (${m.access}, ${m.fields.length} fields)`,
          ),
          ...imported.notes.map((n) => `note: ${n.path}: ${n.message}`),
          ...(comparison
            ? [
                comparison.added.length + comparison.removed.length + comparison.changed.length ===
                0
                  ? 'the config maps the same'
                  : 'compared with the config:',
                ...comparison.added.map((o) => `  + ${o} (not in the config)`),
                ...comparison.removed.map((o) => `  - ${o} (only in the config)`),
                ...comparison.changed.map((c) => `  ~ ${c.mapping}: ${c.differences.join('; ')}`),
              ]
            : []),
          ...(options.out
            ? [
                `mappings module written to ${options.out}; import it in pgforce.config, then pgforce install`,
              ]
            : []),
        ].join('\n'),
      )
    })
}
