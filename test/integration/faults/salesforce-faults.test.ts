import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { RetryPolicy, type RetryRule } from '../../../src/errors/retry-policy.js'
import type { RequestLogEntry } from '../../../src/testing/emulator/index.js'
import {
  FaultRun,
  type FaultRunOptions,
  type RecordedEvent,
} from '../../support/faults/fault-run.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Salesforce misbehaves under a two-way load (findings-2026-11/reliability.md, experiments 3 and
// 4): 503s, REQUEST_LIMIT_EXCEEDED, expired sessions, dropped streaming clients. Nothing is marked
// FAILED, the backoff announced is the backoff applied, and both sides end up equal.
const db = useTestDatabase()
let run: FaultRun | undefined

afterEach(async () => {
  if (process.env.PGFORCE_FAULTS_LOG) console.log(run?.describe())
  await run?.close()
  run = undefined
})

async function open(options: Partial<FaultRunOptions> = {}): Promise<FaultRun> {
  const opened = await FaultRun.open({ databaseUrl: db().url, appPool: db().pool, ...options })
  run = opened
  onTestFailed(() => console.log(`engine events:\n${opened.describe()}`))
  return opened
}

async function expectConverged(r: FaultRun, timeoutMs?: number): Promise<number> {
  const { problems, settleMs } = await r.settle(timeoutMs)
  expect(problems).toEqual([])
  expect(r.seen('record:failed')).toEqual([])
  return settleMs
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const rest = (requests: readonly RequestLogEntry[]) =>
  requests.filter((q) => q.path.startsWith('/services/data/'))
/** A lane's runs, by the calls they make: pulls query, pushes write sObject Collections. */
const lane = (q: RequestLogEntry) => (q.method === 'GET' ? 'pull' : 'push')
const countBy = <T>(items: readonly T[], key: (item: T) => string) =>
  items.reduce<Record<string, number>>((counts, item) => {
    counts[key(item)] = (counts[key(item)] ?? 0) + 1
    return counts
  }, {})

/** Lanes of one mapping: its pull and its push. */
const LANES = 2

/**
 * For each lane, consecutive failures more than `tolerance` ms closer than the delay the first of
 * them announced (`retryInMs`): none when every announced backoff was waited out.
 */
function backoffsCutShort(failures: readonly RecordedEvent[], tolerance = 50): string[] {
  const cut: string[] = []
  for (const name of ['pull:failed', 'push:failed']) {
    const ofLane = failures.filter((f) => f.event === name)
    for (let i = 1; i < ofLane.length; i += 1) {
      const previous = ofLane[i - 1] as RecordedEvent
      const announced = Number(/retryInMs=(\d+)/.exec(previous.detail)?.[1] ?? 0)
      const waited = (ofLane[i] as RecordedEvent).at - previous.at
      if (waited + tolerance < announced) cut.push(`${name}: waited ${waited} of ${announced} ms`)
    }
  }
  return cut
}

describe('Salesforce faults under load', () => {
  it('503 on every REST call for 3 s: retried, nothing FAILED', async () => {
    const fast: RetryRule = { minDelayMs: 100, maxDelayMs: 500 }
    const r = await open({
      retryPolicy: new RetryPolicy({
        salesforceCodes: { SERVER_UNAVAILABLE: fast, ERROR_HTTP_503: fast },
      }),
    })
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the storm')
    const from = r.emulator.requests.length
    r.emulator.org.faults.failRequests({ path: '/services/data/', status: 503, count: 1e9 })
    await sleep(3_000) // the storm itself
    r.emulator.org.faults.clear()
    r.emulator.org.faults.setLatency(20)
    const storm = rest(r.emulator.requests.slice(from))
    await r.workload.untilRounds(3)
    await expectConverged(r)
    expect(storm.filter((q) => q.status === 503).length).toBeGreaterThan(2)
    expect([...r.seen('push:failed'), ...r.seen('pull:failed')].length).toBeGreaterThan(1)
    console.info(
      `503 storm: REST requests meanwhile ${JSON.stringify(countBy(storm, (q) => `${q.status}`))}`,
    )
  })

  it('REQUEST_LIMIT_EXCEEDED for 5 s: the backoff holds while changes keep coming', async () => {
    // The default rule is 30 s – 15 min; 2–4 s keeps the test short and the arithmetic the same.
    const limits: RetryRule = { minDelayMs: 2_000, maxDelayMs: 4_000 }
    const r = await open({
      retryPolicy: new RetryPolicy({ salesforceCodes: { REQUEST_LIMIT_EXCEEDED: limits } }),
    })
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the limit')
    const { api } = r.emulator.org
    const [from, rounds, since] = [r.emulator.requests.length, r.workload.rounds, r.now]
    const windowMs = 5_000
    api.setLimit(api.used)
    await sleep(windowMs) // the org refuses every call meanwhile
    api.setLimit(10_000_000)
    const during = rest(r.emulator.requests.slice(from))
    const changes = 4 * (r.workload.rounds - rounds)
    const failures = [...r.seen('pull:failed', since), ...r.seen('push:failed', since)]
    await r.workload.untilRounds(3)
    await expectConverged(r, 30_000)
    console.info(
      `REQUEST_LIMIT_EXCEEDED ${windowMs} ms (limits rule 2–4 s): ${during.length} REST calls reached the org ${JSON.stringify(countBy(during, (q) => `${lane(q)} ${q.status}`))} while the app made ${changes} changes`,
    )
    // Each lane: one refused call, then one per backoff at most, however many signals arrive.
    expect(changes).toBeGreaterThan(20)
    expect(during.length).toBeLessThanOrEqual(
      LANES * (1 + Math.floor(windowMs / limits.minDelayMs)),
    )
    expect(backoffsCutShort(failures)).toEqual([])
  })

  it('REQUEST_LIMIT_EXCEEDED for 5 s with the default policy: one refused call per lane', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the limit')
    const { api } = r.emulator.org
    const [from, since] = [r.emulator.requests.length, r.now]
    api.setLimit(api.used)
    await sleep(5_000) // the org refuses every call meanwhile
    api.setLimit(10_000_000)
    const during = rest(r.emulator.requests.slice(from))
    const failures = [...r.seen('pull:failed', since), ...r.seen('push:failed', since)]
    console.info(
      `REQUEST_LIMIT_EXCEEDED 5000 ms (default policy): ${during.length} REST calls reached the org ${JSON.stringify(countBy(during, (q) => `${lane(q)} ${q.status}`))}; announced retryInMs ${failures.map((f) => /retryInMs=(\d+)/.exec(f.detail)?.[1]).join(', ')}`,
    )
    // The default limits rule waits 30 s at least: nothing more reaches the org in 5 s.
    expect(during.length).toBeLessThanOrEqual(LANES)
    expect(failures.every((f) => Number(/retryInMs=(\d+)/.exec(f.detail)?.[1]) >= 30_000)).toBe(
      true,
    )
    // An operator restarting the engine does not wait out the backoff.
    await r.engine.stop()
    await r.engine.start()
    await expectConverged(r, 30_000)
  })

  it('every session expires: renewed by logging in again, nothing FAILED', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the expiry')
    const from = r.emulator.requests.length
    r.emulator.org.sessions.expireAll()
    await r.workload.untilRounds(5)
    await expectConverged(r)
    const after = r.emulator.requests.slice(from)
    expect(after.filter((q) => q.status === 401).length).toBeGreaterThan(0)
    expect(r.seen('error')).toEqual([])
  })

  it('streaming clients dropped: the stream comes back and catches up', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('pull:completed').length > 2, 10_000, 'pulls before the drop')
    const at = r.now
    r.emulator.dropStreamingClients()
    await waitFor(
      () => r.seen('source:connected', at).some((e) => e.detail === 'salesforce-streaming'),
      10_000,
      'streaming back',
    )
    await r.workload.untilRounds(3)
    await expectConverged(r)
  })
})
