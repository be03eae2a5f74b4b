import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/salesforce-emulator.js'
import { writeCliConfig } from '../../support/cli-config.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// `pgforce run` as a container runs it: the real bin in a child process (the emulator stays in
// this one, over HTTP), a real Postgres, SIGTERM to stop it.
const db = useTestDatabase()
const schema = `run_${process.pid}`
let emulator: SalesforceEmulator
let dir: string
const children: Worker[] = []
const tsxLoader = pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href

interface Worker {
  readonly child: ChildProcessWithoutNullStreams
  readonly lines: Record<string, unknown>[]
  readonly exited: Promise<number | null>
  port?: number
}

/** Starts `pgforce run <args>` in the config's directory, collecting its JSON log lines. */
function run(...args: string[]): Worker {
  // One process, tsx as a loader: signals reach pgforce itself, as with `node dist/cli.js` (the
  // tsx CLI relays them and SIGKILLs a child that does not acknowledge within 30 ms).
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, resolve('src/cli/bin.ts'), 'run', ...args],
    {
      cwd: dir,
    },
  )
  const lines: Record<string, unknown>[] = []
  let rest = ''
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n')
    rest = parts.pop() ?? ''
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part))
  })
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      if (code !== 0) console.error(err)
      done(code)
    }),
  )
  const worker: Worker = { child, lines, exited }
  children.push(worker)
  return worker
}

const logged = (w: Worker, msg: string | RegExp) =>
  w.lines.some((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))))

async function get(w: Worker, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${w.port}${path}`)
  return { status: response.status, body: await response.text() }
}

async function started(w: Worker): Promise<void> {
  await waitFor(
    () => w.child.exitCode !== null || logged(w, 'running; SIGTERM or SIGINT stops it'),
    45_000,
    'run to start',
  )
  expect(w.child.exitCode).toBe(null)
  const line = w.lines.find((l) => typeof l.port === 'number')
  w.port = line?.port as number
}

beforeAll(async () => {
  emulator = await SalesforceEmulator.start()
  emulator.org.insert(
    'Account',
    Array.from({ length: 20 }, (_, i) => ({ Name: `Account ${i}` })),
  )
  dir = writeCliConfig('pgforce-run-', {
    instanceUrl: emulator.instanceUrl,
    accessToken: emulator.accessToken,
    databaseUrl: db().url,
    schema,
    extraOptions: `operations: { controlPollMs: 200 },`,
  })
})
afterAll(async () => {
  for (const w of children) if (w.child.exitCode === null) w.child.kill('SIGKILL')
  await emulator?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('pgforce run', () => {
  let a: Worker
  let b: Worker

  beforeAll(async () => {
    // Installed first, so both workers start at once (a's --install then finds nothing to do).
    const io = { out: { write: () => true }, err: { write: () => true }, cwd: dir }
    expect(await main(['install'], {}, io, new Promise(() => {}))).toBe(0)
    a = run('--install', '--health-port', '0', '--stop-timeout', '2000')
    b = run('--health-port', '0', '--stop-timeout', '2000')
  })

  it('runs the config, answers /healthz and /metrics, and logs pino-style JSON lines', async () => {
    await started(a)
    expect(a.port).toBeGreaterThan(0)
    await waitFor(async () => (await get(a, '/healthz')).status === 200, 10_000, 'ready')
    expect(JSON.parse((await get(a, '/healthz')).body)).toMatchObject({
      ready: true,
      reasons: [],
      state: 'running',
      paused: false,
    })
    await waitFor(
      async () => (await db().pool.query(`SELECT 1 FROM "${schema}".account`)).rowCount === 20,
    )
    const metrics = await get(a, '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.body).toContain('# TYPE pgforce_records_synced_total counter')
    expect(metrics.body).toContain('pgforce_trigger_log_pending{mapping="Account"} 0')
    expect(metrics.body).toMatch(
      /pgforce_mapping_state\{mapping="Account",state="(synced|polling)"\} 1/,
    )
    const line = a.lines.find((l) => l.msg === 'engine running')
    expect(line).toMatchObject({
      level: 30,
      component: 'pgforce',
      pid: a.child.pid,
      hostname: expect.any(String),
    })
    expect(typeof line?.time).toBe('number')
    expect((await get(a, '/nope')).status).toBe(404)
  })

  it('a second run on the same database cooperates: one leads the pulls, both push', async () => {
    await started(b)
    await waitFor(async () => (await get(b, '/healthz')).status === 200, 10_000, 'b ready')
    // One of the two leads Account's pulls (and loaded the 20 records); the other does not.
    const leaders = [a, b].filter((w) => logged(w, 'leading the pulls of Account'))
    expect(leaders).toHaveLength(1)
    expect((await get(leaders[0] as Worker, '/metrics')).body).toMatch(
      /pgforce_records_synced_total\{direction="pull",mapping="Account",outcome="inserted"\} 20/,
    )
    // Pull lag is the leader's to say: absent on the other worker, whose own last pull ages.
    const other = [a, b].find((w) => w !== leaders[0]) as Worker
    expect((await get(leaders[0] as Worker, '/metrics')).body).toMatch(
      /pgforce_pull_lag_seconds\{mapping="Account"\} /,
    )
    expect((await get(other, '/metrics')).body).not.toMatch(/pgforce_pull_lag_seconds\{/)
    await db().pool.query(
      `INSERT INTO "${schema}".account (name) SELECT 'From Postgres ' || n FROM generate_series(1, 5) n`,
    )
    await waitFor(() => emulator.org.all('Account').length === 25, 10_000, 'the push')
  })

  it('pgforce pause (any process) pauses both workers; /healthz says so', async () => {
    // Another process flips the shared switch, as `pgforce pause` does.
    await db()
      .pool.query(`UPDATE "${schema}"._pgforce_control SET paused = true`)
      .then(async (r) => {
        if (r.rowCount === 0)
          await db().pool.query(`INSERT INTO "${schema}"._pgforce_control (paused) VALUES (true)`)
      })
    await waitFor(() => logged(a, 'paused') && logged(b, 'paused'), 5000, 'both to pause')
    expect(JSON.parse((await get(a, '/healthz')).body)).toMatchObject({ paused: true })
    await db().pool.query(`UPDATE "${schema}"._pgforce_control SET paused = false`)
    await waitFor(() => logged(a, 'resumed') && logged(b, 'resumed'), 5000, 'both to resume')
  })

  it('SIGTERM during a push ends within the bound with nothing left claimed', async () => {
    emulator.org.faults.setLatency(1500)
    await db().pool.query(
      `INSERT INTO "${schema}".account (name) SELECT 'Late ' || n FROM generate_series(1, 5) n`,
    )
    const claimed = async () =>
      (await db().pool.query(`SELECT 1 FROM "${schema}"._trigger_log WHERE state = 'PENDING'`))
        .rowCount ?? 0
    await waitFor(async () => (await claimed()) > 0, 10_000, 'a push to claim entries')
    a.child.kill('SIGTERM')
    b.child.kill('SIGTERM')
    expect(await a.exited).toBe(0)
    expect(await b.exited).toBe(0)
    emulator.org.faults.clear()
    expect(await claimed()).toBe(0)
    // Each stopped within the bound (--stop-timeout 2000, + 5 s at most), by its own clock.
    for (const w of [a, b]) {
      const at = (msg: string) => w.lines.find((l) => l.msg === msg)?.time as number
      expect(at('stopped') - at('stopping')).toBeLessThan(2000 + 5000)
    }
  })

  it('a stop stuck in Postgres past its bound still exits (1), without waiting for the pool', async () => {
    const c = run('--stop-timeout', '100')
    await waitFor(() => logged(c, /^running/), 10_000, 'c to run')
    emulator.org.faults.setLatency(1500)
    await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('Stuck')`)
    const claimed = async () =>
      (await db().pool.query(`SELECT 1 FROM "${schema}"._trigger_log WHERE state = 'PENDING'`))
        .rowCount ?? 0
    await waitFor(async () => (await claimed()) > 0, 10_000, 'a push to claim the entry')
    // Its settle will wait for this lock for as long as the test holds it.
    const locker = await db().pool.connect()
    try {
      await locker.query(`BEGIN; LOCK TABLE "${schema}".account IN ACCESS EXCLUSIVE MODE`)
      const waiting = async () =>
        (
          await db().pool.query(
            `SELECT 1 FROM pg_locks WHERE NOT granted AND relation = $1::regclass`,
            [`"${schema}".account`],
          )
        ).rowCount ?? 0
      await waitFor(async () => (await waiting()) > 0, 10_000, 'its settle to wait for the lock')
      c.child.kill('SIGTERM')
      const code = await Promise.race([
        c.exited,
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000)),
      ])
      expect(code).toBe(1)
      expect(logged(c, /did not stop within/)).toBe(true)
    } finally {
      await locker.query('ROLLBACK')
      locker.release()
      emulator.org.faults.clear()
    }
  }, 30_000)
})
