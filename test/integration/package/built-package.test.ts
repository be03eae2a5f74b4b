import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { useTestDatabase } from '../../support/test-database.js'

const run = promisify(execFile)
const db = useTestDatabase()
const root = resolve(import.meta.dirname, '../../..')
let consumer: string

/**
 * Builds the package as `npm run build` does, then uses it from a separate project by its package
 * name, the way an app would: once with `import` (ESM), once with `require` (CommonJS).
 */
beforeAll(async () => {
  await run(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root })
  consumer = await mkdtemp(join(tmpdir(), 'pgforce-consumer-'))
  await mkdir(join(consumer, 'node_modules'))
  await symlink(root, join(consumer, 'node_modules/pgforce'), 'dir')
}, 120_000)

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true })
})

async function runConsumer(file: string, source: string): Promise<unknown> {
  await writeFile(join(consumer, file), source)
  const { stdout } = await run(process.execPath, [file], { cwd: consumer })
  return JSON.parse(stdout)
}

describe('the built package', () => {
  it('works from an ES module', async () => {
    const result = await runConsumer(
      'consumer.mjs',
      `import { ConfigError, PgforceError, VERSION } from 'pgforce'
import * as testing from 'pgforce/testing'
const error = new ConfigError([{ path: 'x', expected: 'y', received: 'z' }])
console.log(JSON.stringify({ version: VERSION, isBase: error instanceof PgforceError, code: error.code, testing: Object.keys(testing).length > 0 }))`,
    )
    expect(result).toEqual({
      version: expect.any(String),
      isBase: true,
      code: 'CONFIG_INVALID',
      testing: true,
    })
  })

  it('works from CommonJS with require()', async () => {
    const result = await runConsumer(
      'consumer.cjs',
      `const { SalesforceApiError, isRetryable } = require('pgforce')
const testing = require('pgforce/testing')
const error = new SalesforceApiError('limit', { errorCode: 'REQUEST_LIMIT_EXCEEDED' })
console.log(JSON.stringify({ retryable: isRetryable(error), name: error.name, testing: Object.keys(testing).length > 0 }))`,
    )
    expect(result).toEqual({ retryable: true, name: 'SalesforceApiError', testing: true })
  })

  it('runs the pgforce bin with a config module that imports pgforce', async () => {
    const emulator = await SalesforceEmulator.start()
    try {
      await writeFile(
        join(consumer, 'pgforce.config.mjs'),
        `import { createConnection, defineMapping } from 'pgforce'
export default async () => ({
  connection: await createConnection({
    salesforce: { instanceUrl: '${emulator.instanceUrl}', accessToken: '${emulator.accessToken}' },
    postgres: { connectionString: '${db().url}' },
    schema: 'consumer',
  }),
  mappings: [defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })],
})`,
      )
      const cli = join(consumer, 'node_modules/pgforce/dist/cli.js')
      const install = await run(process.execPath, [cli, 'install', '--json'], { cwd: consumer })
      expect(JSON.parse(install.stdout)).toMatchObject({ schema: 'consumer' })
      const status = await run(process.execPath, [cli, 'status'], { cwd: consumer })
      expect(status.stdout).toMatch(/Account\s+read_write\s+0\s+0\s/)
    } finally {
      await emulator.stop()
    }
  })

  it('ships declarations for both entry points and both module systems', async () => {
    const { stdout } = await run('ls', [join(root, 'dist')])
    for (const file of [
      'index.d.ts',
      'index.d.cts',
      'testing.d.ts',
      'testing.d.cts',
      'index.js',
      'index.cjs',
    ]) {
      expect(stdout.split('\n')).toContain(file)
    }
  })
})
