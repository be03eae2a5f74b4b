import { execFile } from 'node:child_process'
import { copyFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConsumerProject, createConsumerProject } from './consumer-project.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
const app = join(import.meta.dirname, 'consumer')
let consumer: ConsumerProject

beforeAll(async () => {
  consumer = await createConsumerProject()
  for (const file of ['tsconfig.json', 'app.ts', 'app.cts']) {
    await copyFile(join(app, file), join(consumer.dir, file))
  }
})

afterAll(async () => {
  await consumer?.remove()
})

/** `tsc` over the consumer project: each error as `file(line,col): error TSxxxx: message`. */
async function typeErrors(): Promise<string[]> {
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  const output = await run(process.execPath, [tsc, '-p', '.', '--pretty', 'false'], {
    cwd: consumer.dir,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    if (!error.stdout) throw error
    return { stdout: error.stdout }
  })
  return output.stdout.split('\n').filter((line) => /: error TS\d+:/.test(line))
}

describe('the published declarations', () => {
  // A strict app (test/package/consumer/tsconfig.json: strict, skipLibCheck off) using the main
  // API, both through `import` (.d.ts) and `require` (.d.cts). Any error here is one an app's
  // build would show.
  it('type-check in a strict app without skipLibCheck', async () => {
    expect(await typeErrors()).toEqual([])
  })
})
