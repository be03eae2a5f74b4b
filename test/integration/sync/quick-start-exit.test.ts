import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useTestDatabase } from '../../support/test-database.js'

const tsx = resolve('node_modules/.bin/tsx')
const script = resolve('test/support/quick-start-exit.ts')
const db = useTestDatabase()

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** From the "stopped" line to the process's exit. */
  readonly exitAfterStopMs: number | undefined
}

/** Runs the script; kills it (and reports code null) if it is still alive 15 s after stopping. */
function runQuickStart(schema: string, order?: string): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(tsx, [script, db().url, schema, ...(order ? [order] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let stoppedAt: number | undefined
    let killer: NodeJS.Timeout | undefined
    const overall = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stoppedAt === undefined && stdout.includes('"stopped":true')) {
        stoppedAt = Date.now()
        killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('exit', (code) => {
      clearTimeout(overall)
      clearTimeout(killer)
      const exitAfterStopMs = stoppedAt === undefined ? undefined : Date.now() - stoppedAt
      done({ code, stdout, stderr, exitAfterStopMs })
    })
  })
}

describe('a program using the README quick start with the emulator', () => {
  it('exits by itself once the engine, the connection and the emulator are stopped', async () => {
    const run = await runQuickStart('quick_start_exit')
    expect(run.stderr).not.toMatch(/error/i)
    expect(JSON.parse(run.stdout)).toEqual({ stopped: true, streamed: true })
    expect(run.code).toBe(0)
    expect(run.exitAfterStopMs).toBeLessThan(3_000)
  })

  it('exits by itself when Salesforce is already unreachable at shutdown', async () => {
    const run = await runQuickStart('quick_start_exit_unreachable', 'emulator-first')
    expect(JSON.parse(run.stdout)).toEqual({ stopped: true, streamed: true })
    expect(run.code).toBe(0)
    expect(run.exitAfterStopMs).toBeLessThan(3_000)
  })
})
