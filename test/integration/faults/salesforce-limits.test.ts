import { describe, expect, it } from 'vitest'
import { RetryPolicy, type RetryRule } from '../../../src/errors/retry-policy.js'
import type { RequestLogEntry } from '../../../src/testing/emulator/index.js'
import type { RecordedEvent } from '../../support/faults/recorded-events.js'
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
    // Two engines, each with its own org, refused for the same 5 s. The default limits rule is
    // 30 s – 15 min; the other engine's 2–3 s shows the retries inside the window, and converges
    // without a restart.
    const limits: RetryRule = { minDelayMs: 2_000, maxDelayMs: 3_000 }
    const short = await open({
      retryPolicy: new RetryPolicy({ salesforceCodes: { REQUEST_LIMIT_EXCEEDED: limits } }),
    })
    const byDefault = await open()
    const runs = [short, byDefault]
    await Promise.all(runs.map((r) => r.start()))
    await waitFor(
      () => runs.every((r) => r.seen('push:completed').length > 2),
      10_000,
      'pushes before the limit',
    )
    const windowMs = 5_000
    const before = runs.map((r) => ({
      requests: r.emulator.requests.length,
      rounds: r.workload.rounds,
      at: r.now,
    }))
    for (const r of runs) r.emulator.org.api.setLimit(r.emulator.org.api.used)
    await sleep(windowMs) // the orgs refuse every call meanwhile
    for (const r of runs) r.emulator.org.api.setLimit(10_000_000)
    const [shortWindow, defaultWindow] = runs.map((r, i) => {
      const from = before[i] ?? { requests: 0, rounds: 0, at: 0 }
      return {
        calls: rest(r.emulator.requests.slice(from.requests)),
        changes: 4 * (r.workload.rounds - from.rounds),
        failures: [...r.seen('pull:failed', from.at), ...r.seen('push:failed', from.at)],
      }
    }) as [Window, Window]
    const describe = (w: Window) =>
      `${w.calls.length} REST calls reached the org ${JSON.stringify(countBy(w.calls, (q) => `${lane(q)} ${q.status}`))} while the app made ${w.changes} changes; announced retryInMs ${w.failures.map(announced).join(', ')}`
    console.info(
      `REQUEST_LIMIT_EXCEEDED ${windowMs} ms, limits rule 2–3 s: ${describe(shortWindow)}`,
    )
    console.info(
      `REQUEST_LIMIT_EXCEEDED ${windowMs} ms, default policy: ${describe(defaultWindow)}`,
    )
    // Each lane: one refused call, then one per backoff at most, however many signals arrive.
    expect(shortWindow.changes).toBeGreaterThan(20)
    expect(shortWindow.calls.length).toBeLessThanOrEqual(
      LANES * (1 + Math.floor(windowMs / limits.minDelayMs)),
    )
    expect(backoffsCutShort(shortWindow.failures)).toEqual([])
    // The default rule waits 30 s at least: one refused call per lane, nothing more.
    expect(defaultWindow.changes).toBeGreaterThan(20)
    expect(defaultWindow.calls.length).toBeLessThanOrEqual(LANES)
    expect(defaultWindow.failures.every((f) => announced(f) >= 30_000)).toBe(true)
    // An operator restarting that engine does not wait out its backoff.
    await byDefault.engine.stop()
    await byDefault.engine.start()
    for (const r of runs) await r.workload.untilRounds(2)
    for (const r of runs) await expectConverged(r, 30_000)
  })
})

/** What one org saw during the window. */
interface Window {
  readonly calls: RequestLogEntry[]
  readonly changes: number
  readonly failures: RecordedEvent[]
}
