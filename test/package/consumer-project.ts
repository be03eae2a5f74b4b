import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { inject } from 'vitest'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

/** A throwaway app with the packed pgforce installed in its node_modules. */
export interface ConsumerProject {
  readonly dir: string
  /** Writes `file` with `source` and runs it with Node; returns its stdout parsed as JSON. */
  runJson(file: string, source: string): Promise<unknown>
  /** Runs `node <args>` in the project. */
  node(args: readonly string[]): Promise<{ stdout: string; stderr: string }>
  remove(): Promise<void>
}

/**
 * Makes an app project (`"type": "module"`) and installs pgforce into it from `npm pack`'s tarball,
 * so it sees only what `files` ships. pgforce's runtime `dependencies` (and the app's own
 * `@types/node`) are linked from this repository's node_modules instead of downloaded; devDependencies
 * are not there, as in a real install.
 */
export async function createConsumerProject(): Promise<ConsumerProject> {
  const dir = await mkdtemp(join(tmpdir(), 'pgforce-consumer-'))
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  const installed = join(dir, 'node_modules/pgforce')
  await mkdir(installed, { recursive: true })
  await run('tar', ['-xzf', inject('packageTarball'), '-C', installed, '--strip-components=1'])
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
    const link = join(dir, 'node_modules', name)
    await mkdir(dirname(link), { recursive: true })
    await symlink(join(root, 'node_modules', name), link, 'dir')
  }
  const node = (args: readonly string[]) => run(process.execPath, args, { cwd: dir })
  return {
    dir,
    node,
    async runJson(file, source) {
      await writeFile(join(dir, file), source)
      return JSON.parse((await node([file])).stdout)
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
