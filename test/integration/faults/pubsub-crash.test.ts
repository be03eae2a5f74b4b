import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// A worker streaming over the Pub/Sub API killed with SIGKILL while it drains a backlog, then
// started again: it resumes after the replay id stored with the rows, so every event after it
// is delivered once more and none before it; Postgres ends equal to the org.
const db = useTestDatabase()
const TOPIC = '/data/AccountChangeEvent'
const WORKER = fileURLToPath(new URL('../../support/pubsub/pubsub-worker.ts', import.meta.url))
let emulator: SalesforceEmulator | undefined
const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  await emulator?.stop()
  emulator = undefined
})

function startWorker(config: object): { child: ChildProcess; connected: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  const connected = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('connected')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the worker exited (${code})`)))
  })
  return { child, connected }
}

describe('a Pub/Sub worker killed with SIGKILL mid-backlog, then started again', () => {
  it('resumes from the stored replay id: nothing lost, nothing delivered twice before it', async () => {
    emulator = await SalesforceEmulator.start({
      orgOptions: { eventRetention: 50_000, dailyApiLimit: 10_000_000 },
    })
    const em = emulator
    const schema = `pubsub_crash_${process.pid}`
    const pool = db().pool
    const config = {
      databaseUrl: db().url,
      schema,
      instanceUrl: em.instanceUrl,
      accessToken: em.accessToken,
      endpoint: em.pubSubEndpoint,
      ca: em.pubSubCertificate,
    }
    const stored = async (): Promise<Buffer | undefined> => {
      const { rows } = await pool.query(
        `SELECT replay_bytes FROM "${schema}"._pgforce_cursor WHERE name = $1`,
        [`stream:${TOPIC}`],
      )
      return rows[0]?.replay_bytes ?? undefined
    }
    const first = startWorker(config)
    await first.connected
    await waitFor(() => em.pubSubStats.openStreams === 1, 10_000, 'the subscription')
    em.org.insert('Account', [{ Name: 'First' }])
    await waitFor(async () => (await stored()) !== undefined, 10_000, 'a stored replay id')
    em.org.insert(
      'Account',
      Array.from({ length: 1_000 }, (_, i) => ({ Name: `Backlog ${i}` })),
    )
    const events = em.org.events.replay(TOPIC, -2)
    const newest = events.at(-1)?.replayId ?? 0
    await waitFor(() => em.pubSubStats.delivered >= 200, 30_000, 'part of the backlog')
    first.child.kill('SIGKILL')
    await once(first.child, 'exit')
    const atKill = (await stored())?.readBigUInt64BE(0) ?? 0n
    expect(Number(atKill)).toBeLessThan(newest) // killed mid-backlog
    const remaining = events.filter((e) => e.replayId > Number(atKill)).length
    const before = em.pubSubStats.delivered
    const second = startWorker(config)
    await second.connected
    await waitFor(
      async () => Number((await stored())?.readBigUInt64BE(0) ?? 0n) === newest,
      60_000,
      'the rest of the backlog',
    )
    expect(em.pubSubStats.delivered - before).toBe(remaining)
    expect(em.pubSubStats.maxOutstanding).toBeLessThanOrEqual(100)
    const { rows } = await pool.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT sfid)::int AS distinct FROM "${schema}".account`,
    )
    expect(rows[0]).toEqual({ n: 1_001, distinct: 1_001 })
    second.child.kill('SIGKILL')
    await once(second.child, 'exit')
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`)
  }, 120_000)
})
