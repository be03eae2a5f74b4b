import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `npm pack`'s tarball of the built package: what `npm publish` would upload. */
    packageTarball: string
  }
}

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
/** What the build reads: when any of it is newer than dist/, dist/ is stale. */
const INPUTS = ['src', 'tsup.config.ts', 'tsconfig.json', 'package.json']
/** What the build writes that package.json points at. */
const OUTPUTS = [
  'index.js',
  'index.cjs',
  'index.d.ts',
  'index.d.cts',
  'testing.js',
  'testing.cjs',
  'testing.d.ts',
  'testing.d.cts',
  'cli.js',
].map((file) => join('dist', file))

/**
 * globalSetup of the `package` project: its tests use dist/ as an app would, so dist/ must match
 * src/. When dist/ is missing or older than src/, this builds it once (`npm run build`), before any
 * test runs; when `.ci/run` or a developer has just built, it uses dist/ as it is. Then it packs
 * the package with `npm pack` for the tests to install.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stale = await whyStale()
  if (stale !== undefined) {
    console.info(`[pgforce tests] ${stale}: building it (npm run build)`)
    try {
      await run(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], {
        cwd: root,
      })
    } catch (error) {
      const output = (error as { stderr?: string }).stderr ?? String(error)
      throw new Error(`${stale} and building it failed; run npm run build first.\n${output}`)
    }
  }
  const packDir = await mkdtemp(join(tmpdir(), 'pgforce-pack-'))
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir],
    { cwd: root },
  )
  const [packed] = JSON.parse(stdout) as { filename: string }[]
  if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`)
  project.provide('packageTarball', join(packDir, packed.filename))
  return () => rm(packDir, { recursive: true, force: true })
}

/** Why dist/ cannot be used as it is, or `undefined` when it is up to date. */
async function whyStale(): Promise<string | undefined> {
  let oldestOutput = Number.POSITIVE_INFINITY
  for (const output of OUTPUTS) {
    const built = await stat(join(root, output)).catch(() => undefined)
    if (!built) return `${output} is missing`
    oldestOutput = Math.min(oldestOutput, built.mtimeMs)
  }
  for (const input of INPUTS) {
    const newer = await findNewer(join(root, input), oldestOutput)
    if (newer !== undefined) return `dist/ is older than ${newer.slice(root.length + 1)}`
  }
  return undefined
}

async function findNewer(path: string, than: number): Promise<string | undefined> {
  const info = await stat(path)
  // A directory's own time changes when a file is added or removed.
  if (info.mtimeMs > than) return path
  if (!info.isDirectory()) return undefined
  for (const entry of await readdir(path)) {
    const newer = await findNewer(join(path, entry), than)
    if (newer !== undefined) return newer
  }
  return undefined
}
