import { describe, expect, it } from 'vitest'
import { RetryPolicy, type RetryRule } from '../../../src/errors/retry-policy.js'
import type { RequestLogEntry } from '../../../src/testing/emulator/index.js'
import type { RecordedEvent } from '../../support/faults/fault-run.js'
import { useFaultRun } from '../../support/faults/use-fault-run.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// REQUEST_LIMIT_EXCEEDED while the app keeps writing (findings-2026-11/reliability.md, experiment
// 3b, where every new change signal cancelled the backoff: 50 refused calls in 5 s). The backoff
// announced must be the backoff applied: the calls that reach the org are bounded by the lanes and
// the rule's minimum delay, not by how many changes arrive.
const db = useTestDatabase()
const { open, expectConverged } = useFaultRun(db)

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
const announced = (failure: RecordedEvent) =>
  Number(/retryInMs=(\d+)/.exec(failure.detail)?.[1] ?? 0)

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
      const waited = (ofLane[i] as RecordedEvent).at - previous.at
      if (waited + tolerance < announced(previous))
        cut.push(`${name}: waited ${waited} of ${announced(previous)} ms`)
    }
  }
  return cut
}

describe('REQUEST_LIMIT_EXCEEDED under load', () => {
  it('for 5 s: the backoff holds while changes keep coming', async () => {
    // The default rule is 30 s – 15 min; 2–3 s keeps the test short and the arithmetic the same.
    const limits: RetryRule = { minDelayMs: 2_000, maxDelayMs: 3_000 }
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
      `REQUEST_LIMIT_EXCEEDED ${windowMs} ms (limits rule 2–3 s): ${during.length} REST calls reached the org ${JSON.stringify(countBy(during, (q) => `${lane(q)} ${q.status}`))} while the app made ${changes} changes`,
    )
    // Each lane: one refused call, then one per backoff at most, however many signals arrive.
    expect(changes).toBeGreaterThan(20)
    expect(during.length).toBeLessThanOrEqual(
      LANES * (1 + Math.floor(windowMs / limits.minDelayMs)),
    )
    expect(backoffsCutShort(failures)).toEqual([])
  })

  it('for 3 s with the default policy (30 s at least): one refused call per lane', async () => {
    const r = await open()
    await r.start()
    await waitFor(() => r.seen('push:completed').length > 2, 10_000, 'pushes before the limit')
    const { api } = r.emulator.org
    const [from, since] = [r.emulator.requests.length, r.now]
    api.setLimit(api.used)
    await sleep(3_000) // the org refuses every call meanwhile
    api.setLimit(10_000_000)
    const during = rest(r.emulator.requests.slice(from))
    const failures = [...r.seen('pull:failed', since), ...r.seen('push:failed', since)]
    console.info(
      `REQUEST_LIMIT_EXCEEDED 3000 ms (default policy): ${during.length} REST calls reached the org ${JSON.stringify(countBy(during, (q) => `${lane(q)} ${q.status}`))}; announced retryInMs ${failures.map(announced).join(', ')}`,
    )
    // The default limits rule waits 30 s at least: nothing more reaches the org in 5 s.
    expect(during.length).toBeLessThanOrEqual(LANES)
    expect(failures.every((f) => announced(f) >= 30_000)).toBe(true)
    // An operator restarting the engine does not wait out the backoff.
    await r.engine.stop()
    await r.engine.start()
    await expectConverged(r, 30_000)
  })
})
