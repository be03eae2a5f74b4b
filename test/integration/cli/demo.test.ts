import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { useTestDatabase } from '../../support/test-database.js'

const run = promisify(execFile)
const tsx = resolve('node_modules/.bin/tsx')
const bin = resolve('src/cli/bin.ts')
const db = useTestDatabase()

describe('npm run demo (short mode, as CI runs it)', () => {
  it('syncs both ways, shows a rejected write and its retry, prints a summary, exits 0', async () => {
    const { stdout } = await run(tsx, [bin, 'demo', '--short'], {
      env: { ...process.env, DATABASE_URL: db().url },
      timeout: 90_000,
    })
    expect(stdout).toContain('Loaded 50 Accounts and 50 Contacts')
    expect(stdout).toMatch(/Salesforce → Postgres {2}3 changes, p50 \d+ ms/)
    expect(stdout).toMatch(/Postgres → Salesforce {2}3 changes, p50 \d+ ms/)
    expect(stdout).toContain('INSERT with no Name → FAILED (REQUIRED_FIELD_MISSING')
    expect(stdout).toContain('1 rejected, retried successfully')
    expect(stdout).toContain('failed entries left    0')
  })

  it('runs the same with HTTP_PROXY/HTTPS_PROXY pointing at a dead proxy: the emulator is local', async () => {
    const dead = 'http://127.0.0.1:9'
    const { stdout } = await run(tsx, [bin, 'demo', '--short'], {
      env: { ...process.env, DATABASE_URL: db().url, HTTP_PROXY: dead, HTTPS_PROXY: dead },
      timeout: 90_000,
    })
    expect(stdout).toContain('Loaded 50 Accounts and 50 Contacts')
    expect(stdout).toContain('failed entries left    0')
  })

  it('answers --help and reports a missing config module clearly', async () => {
    const help = await run(tsx, [bin, '--help'])
    for (const command of ['demo', 'install', 'status', 'retry-failed', 'reload'])
      expect(help.stdout).toContain(command)
    const failed = await run(tsx, [bin, 'status'], { cwd: '/tmp' }).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed).toMatchObject({ code: 1 })
    expect((failed as { stderr: string }).stderr).toMatch(/pgforce\.config\.ts.*none found/s)
  })
})
