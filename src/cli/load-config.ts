import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ConfigError, type SyncEngineOptions } from '../index.js'

/** What a `pgforce.config.{js,mjs,ts}` module exports (default export). */
export type PgforceConfig =
  | SyncEngineOptions
  | (() => SyncEngineOptions | Promise<SyncEngineOptions>)

const CANDIDATES = ['pgforce.config.ts', 'pgforce.config.mjs', 'pgforce.config.js']

/**
 * Loads the engine options the CLI works with: the default export of `--config <path>`, or of
 * the first `pgforce.config.{ts,mjs,js}` in `cwd` (Node 22 loads TypeScript configs directly).
 * The export is the options object, or a (possibly async) function returning it.
 */
export async function loadConfig(
  path: string | undefined,
  cwd: string,
): Promise<SyncEngineOptions> {
  const file = path
    ? resolve(cwd, path)
    : CANDIDATES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate))
  if (!file || !existsSync(file)) {
    throw new ConfigError(
      [
        {
          path: 'config',
          expected: `a config module (${CANDIDATES.join(', ')} in ${cwd}, or --config <path>)`,
          received: path ? `"${path}" (not found)` : 'none found',
        },
      ],
      'pgforce CLI',
    )
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: PgforceConfig }
  const exported = module.default
  const options = typeof exported === 'function' ? await exported() : exported
  if (!options || typeof options !== 'object') {
    throw new ConfigError(
      [
        {
          path: 'config',
          expected: 'a default export: engine options, or a function returning them',
          received: file,
        },
      ],
      'pgforce CLI',
    )
  }
  return options
}
