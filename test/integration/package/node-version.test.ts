import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { delimiter, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { build, type Options } from 'tsup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import configs from '../../../tsup.config.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../../..')
/**
 * A private build (JavaScript only), inside the repository so that the package's dependencies
 * resolve from it, and apart from dist/, which other test files rebuild (and clean) in parallel.
 */
const dist = join(root, 'node_modules/.cache/pgforce-node-version', String(process.pid))

/** A Node.js older than 22 on this machine (the system one, typically), if there is one. */
function findOldNode(): { path: string; version: string } | undefined {
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => dir && !dir.includes('node_modules'))
      .map((dir) => join(dir, 'node')),
    '/usr/bin/node',
    '/usr/local/bin/node',
  ]
  for (const path of new Set(candidates)) {
    if (!existsSync(path)) continue
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim().slice(1)
      if (Number(version.split('.')[0]) < 22) return { path, version }
    } catch {}
  }
  return undefined
}

const old = findOldNode()
if (!old) console.info('[node-version] no Node.js older than 22 on this machine: tests skipped')

describe.skipIf(!old)(`the built package on Node ${old?.version ?? '< 22'}`, () => {
  const node = old?.path ?? ''
  const message = `pgforce needs Node.js >= 22.19 (jsforce 3 requires it); this is Node ${old?.version}`

  beforeAll(async () => {
    for (const config of configs as Options[])
      await build({
        ...config,
        config: false,
        outDir: dist,
        dts: false,
        sourcemap: false,
        silent: true,
      })
  }, 120_000)
  afterAll(async () => {
    await rm(dist, { recursive: true, force: true })
  })

  const createConnection = `createConnection({
  salesforce: { instanceUrl: 'https://acme.my.salesforce.com', accessToken: 'token' },
  postgres: { connectionString: 'postgres://127.0.0.1:1/none' },
}).then(() => console.log('connected'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })))`

  it('imports as an ES module, and createConnection says which Node.js it needs', async () => {
    const { stdout } = await run(
      node,
      [
        '--input-type=module',
        '-e',
        `import { createConnection } from ${JSON.stringify(join(dist, 'index.js'))}
import * as testing from ${JSON.stringify(join(dist, 'testing.js'))}
if (!testing.SalesforceEmulator) throw new Error('no pgforce/testing')
${createConnection}`,
      ],
      { cwd: root },
    )
    expect(JSON.parse(stdout)).toEqual({ name: 'EngineStateError', code: 'ENGINE_STATE', message })
  })

  it('loads with require(), and createConnection says the same', async () => {
    const { stdout } = await run(
      node,
      [
        '-e',
        `const { createConnection } = require(${JSON.stringify(join(dist, 'index.cjs'))})
require(${JSON.stringify(join(dist, 'testing.cjs'))})
${createConnection}`,
      ],
      { cwd: root },
    )
    expect(JSON.parse(stdout)).toEqual({ name: 'EngineStateError', code: 'ENGINE_STATE', message })
  })

  it('has the pgforce command print that line and exit 1', async () => {
    const failed = await run(node, [join(dist, 'cli.js'), '--version']).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    )
    expect(failed).toMatchObject({ code: 1, stdout: '', stderr: `pgforce: ${message}\n` })
  })
})
