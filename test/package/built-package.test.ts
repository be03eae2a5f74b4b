import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SalesforceEmulator } from '../../src/testing/emulator/salesforce-emulator.js'
import { useTestDatabase } from '../support/test-database.js'
import { type ConsumerProject, createConsumerProject } from './consumer-project.js'

const db = useTestDatabase()
let consumer: ConsumerProject

/**
 * The package as `npm pack` makes it (test/support/built-package.ts), installed in a separate
 * project and used by its name, the way an app would: with `import` (ESM), with `require`
 * (CommonJS), and through the `pgforce` bin.
 */
beforeAll(async () => {
  consumer = await createConsumerProject()
})

afterAll(async () => {
  await consumer?.remove()
})

const ERROR_CLASSES = [
  'PgforceError',
  'ConfigError',
  'SalesforceApiError',
  'PostgresError',
  'EngineStateError',
  'ApiBudgetExhaustedError',
]

/** A script printing `{ "<entry>:<export>": <the class's name> }` for every exported class. */
const listClassNames = (load: string) => `${load}
const names = {}
for (const [entry, exports] of Object.entries(entries)) {
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function' && Function.prototype.toString.call(value).startsWith('class')) {
      names[entry + ':' + name] = value.name
    }
  }
}
console.log(JSON.stringify(names))`

function expectOwnNames(names: unknown): void {
  const found = names as Record<string, string>
  const own = Object.fromEntries(Object.keys(found).map((key) => [key, key.split(':')[1]]))
  expect(found).toEqual(own)
  expect(Object.keys(found)).toEqual(
    expect.arrayContaining([
      ...ERROR_CLASSES.map((name) => `pgforce:${name}`),
      'pgforce:SyncEngine',
      'pgforce:JsforceAdapter',
      'pgforce/testing:SalesforceEmulator',
      'pgforce/testing:InMemoryOrg',
    ]),
  )
}

/** Every string value (not key) in package.json fields such as `exports`. */
function pathsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value !== 'object' || value === null) return []
  return Object.values(value).flatMap(pathsIn)
}

describe('the built package', () => {
  it('works from an ES module', async () => {
    const result = await consumer.runJson(
      'consumer.mjs',
      `import { ConfigError, PgforceError, VERSION } from 'pgforce'
import * as testing from 'pgforce/testing'
const error = new ConfigError([{ path: 'x', expected: 'y', received: 'z' }])
console.log(JSON.stringify({ version: VERSION, isBase: error instanceof PgforceError, code: error.code, name: error.name, stack: error.stack.split('\\n')[0], testing: Object.keys(testing).length > 0 }))`,
    )
    expect(result).toEqual({
      version: expect.any(String),
      isBase: true,
      code: 'CONFIG_INVALID',
      name: 'ConfigError',
      stack: expect.stringMatching(/^ConfigError: /),
      testing: true,
    })
  })

  it('works from CommonJS with require()', async () => {
    const result = await consumer.runJson(
      'consumer.cjs',
      `const { SalesforceApiError, isRetryable } = require('pgforce')
const testing = require('pgforce/testing')
const error = new SalesforceApiError('limit', { errorCode: 'REQUEST_LIMIT_EXCEEDED' })
console.log(JSON.stringify({ retryable: isRetryable(error), name: error.name, stack: error.stack.split('\\n')[0], testing: Object.keys(testing).length > 0 }))`,
    )
    expect(result).toEqual({
      retryable: true,
      name: 'SalesforceApiError',
      stack: 'SalesforceApiError: limit',
      testing: true,
    })
  })

  it('serves pgforce/dashboard from both builds, without it in the main entry', async () => {
    const script = (load: string) => `${load}
const handler = createDashboard({ engine: { status() {}, on() {}, off() {} } })
handler.close()
console.log(JSON.stringify({ handler: typeof handler, close: typeof handler.close }))`
    const expected = { handler: 'function', close: 'function' }
    expect(
      await consumer.runJson(
        'dashboard.mjs',
        script(`import { createDashboard } from 'pgforce/dashboard'`),
      ),
    ).toEqual(expected)
    expect(
      await consumer.runJson(
        'dashboard.cjs',
        script(`const { createDashboard } = require('pgforce/dashboard')`),
      ),
    ).toEqual(expected)
    const main = await readFile(join(consumer.dir, 'node_modules/pgforce/dist/index.js'), 'utf8')
    expect(main).not.toContain('createDashboard')
  })

  it('keeps every exported class its own name in the ESM build', async () => {
    expectOwnNames(
      await consumer.runJson(
        'class-names.mjs',
        listClassNames(`import * as main from 'pgforce'
import * as testing from 'pgforce/testing'
const entries = { pgforce: main, 'pgforce/testing': testing }`),
      ),
    )
  })

  it('keeps every exported class its own name in the CommonJS build', async () => {
    expectOwnNames(
      await consumer.runJson(
        'class-names.cjs',
        listClassNames(
          `const entries = { pgforce: require('pgforce'), 'pgforce/testing': require('pgforce/testing') }`,
        ),
      ),
    )
  })

  it('runs the pgforce bin with a config module that imports pgforce', async () => {
    const emulator = await SalesforceEmulator.start()
    try {
      await writeFile(
        join(consumer.dir, 'pgforce.config.mjs'),
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
      const cli = 'node_modules/pgforce/dist/cli.js'
      const install = await consumer.node([cli, 'install', '--json'])
      expect(JSON.parse(install.stdout)).toMatchObject({ schema: 'consumer' })
      const status = await consumer.node([cli, 'status'])
      expect(status.stdout).toMatch(/Account\s+read_write\s+0\s+0\s/)
    } finally {
      await emulator.stop()
    }
  })

  it('ships every file package.json points at, and the licence', async () => {
    const installed = join(consumer.dir, 'node_modules/pgforce')
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'))
    const pointedAt = pathsIn([
      manifest.main,
      manifest.module,
      manifest.types,
      manifest.bin,
      manifest.exports,
    ])
    expect(pointedAt).toEqual(
      expect.arrayContaining(['./dist/index.d.cts', './dist/testing.cjs', './dist/cli.js']),
    )
    for (const file of [...pointedAt, 'LICENSE', 'README.md', 'CHANGELOG.md']) {
      await expect(stat(join(installed, file)), file).resolves.toBeTruthy()
    }
    expect(await readFile(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
  })
})
