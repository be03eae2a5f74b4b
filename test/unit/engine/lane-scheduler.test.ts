import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type LaneKey, type LaneRun, LaneScheduler } from '../../../src/engine/lane-scheduler.js'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const pull = (object: string): LaneKey => ({ direction: 'pull', object })
const push = (object: string): LaneKey => ({ direction: 'push', object })

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('LaneScheduler', () => {
  it('runs a lane once per signal burst and never twice at the same time', async () => {
    const runs: LaneRun<string>[] = []
    let concurrent = 0
    let maxConcurrent = 0
    const gate = deferred()
    const started = deferred()
    const scheduler = new LaneScheduler<string>({
      concurrency: 4,
      retryDelay: () => undefined,
      run: async (run) => {
        runs.push(run)
        concurrent += 1
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        if (runs.length === 1) {
          started.resolve()
          await gate.promise
        }
        concurrent -= 1
      },
    })
    scheduler.signal(pull('Account'), 'a')
    await started.promise
    scheduler.signal(pull('Account'), 'b')
    scheduler.signal(pull('Account'), 'c')
    gate.resolve()
    await scheduler.drain()
    expect(maxConcurrent).toBe(1)
    expect(runs.map((r) => r.hints)).toEqual([['a'], ['b', 'c']])
    expect(runs[0]?.lane).toEqual({ direction: 'pull', object: 'Account' })
  })

  it('runs different lanes in parallel up to the concurrency', async () => {
    let concurrent = 0
    let maxConcurrent = 0
    const gates: (() => void)[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 2,
      retryDelay: () => undefined,
      run: async () => {
        concurrent += 1
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        await new Promise<void>((resolve) => gates.push(resolve))
        concurrent -= 1
      },
    })
    for (const object of ['A', 'B', 'C', 'D']) scheduler.signal(pull(object))
    await vi.advanceTimersByTimeAsync(0)
    expect(concurrent).toBe(2)
    for (const release of gates.splice(0)) release()
    await vi.advanceTimersByTimeAsync(0)
    expect(concurrent).toBe(2)
    for (const release of gates.splice(0)) release()
    await scheduler.drain()
    expect(maxConcurrent).toBe(2)
  })

  it('compacts the hints a lane gathers while it waits out a long backoff', async () => {
    const seen: (readonly string[])[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: () => 60_000,
      compact: (hints) => [...new Set(hints)],
      compactAt: 10,
      run: async ({ hints }) => {
        seen.push(hints)
        if (seen.length === 1) throw new Error('budget spent')
      },
    })
    scheduler.signal(push('Account'), 'a')
    await vi.advanceTimersByTimeAsync(0)
    for (let i = 0; i < 10_000; i += 1) scheduler.signal(push('Account'), i % 2 ? 'a' : 'b')
    await vi.advanceTimersByTimeAsync(60_000)
    // 10 001 hints gathered; the retry gets them folded (fewer than compactAt past the last fold).
    expect(seen[1]?.length).toBeLessThan(10)
    expect(new Set(seen[1])).toEqual(new Set(['a', 'b']))
  })

  it('retries a failed run after the delay, keeping its hints', async () => {
    const seen: (readonly string[])[] = []
    const outcomes: unknown[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: (_, attempt) => (attempt < 3 ? 5_000 : undefined),
      onOutcome: (outcome) =>
        outcomes.push(outcome.retryInMs ?? (outcome.error ? 'gave up' : 'ok')),
      run: async ({ hints }) => {
        seen.push(hints)
        if (seen.length < 3) throw new Error('503')
      },
    })
    scheduler.signal(push('Account'), 'x')
    await vi.advanceTimersByTimeAsync(0)
    expect(seen).toEqual([['x']])
    await vi.advanceTimersByTimeAsync(4_999)
    expect(seen).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(seen).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(seen).toEqual([['x'], ['x'], ['x']])
    expect(outcomes).toEqual([5_000, 5_000, 'ok'])
  })

  it('hands the hints of a run that failed for good to the next run, without retrying it', async () => {
    const seen: (readonly string[])[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: () => undefined,
      run: async ({ hints }) => {
        seen.push(hints)
        if (seen.length === 1) throw new Error('INVALID_FIELD')
      },
    })
    scheduler.signal(pull('Account'), 'event-1')
    await scheduler.drain()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(seen).toEqual([['event-1']]) // not retried
    scheduler.signal(pull('Account'), 'event-2')
    await scheduler.drain()
    expect(seen).toEqual([['event-1'], ['event-1', 'event-2']])
  })

  it('drops carried hints after three runs in a row failed for good (a hint that always fails)', async () => {
    const seen: (readonly string[])[] = []
    const dropped: (readonly string[])[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: () => undefined,
      onOutcome: (outcome) => {
        if (outcome.dropped) dropped.push(outcome.dropped)
      },
      run: async ({ hints }) => {
        seen.push(hints)
        if (hints.includes('poison') || hints.includes('bad')) throw new Error('MALFORMED_ID')
      },
    })
    for (const hint of ['poison', 'a', 'b', 'c', 'bad', 'd', 'e', 'f']) {
      scheduler.signal(pull('Account'), hint)
      await scheduler.drain()
    }
    expect(seen).toEqual([
      ['poison'],
      ['poison', 'a'],
      ['poison', 'a', 'b'],
      ['c'], // the count starts again after a drop
      ['bad'],
      ['bad', 'd'],
      ['bad', 'd', 'e'],
      ['f'],
    ])
    expect(dropped).toEqual([
      ['poison', 'a', 'b'],
      ['bad', 'd', 'e'],
    ])
  })

  it('holds the announced delay: signals during a backoff wait for it and ride along', async () => {
    const seen: (readonly string[])[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: () => 30_000,
      run: async ({ hints }) => {
        seen.push(hints)
        if (seen.length === 1) throw new Error('REQUEST_LIMIT_EXCEEDED')
      },
    })
    scheduler.signal(push('Account'), 'first')
    await vi.advanceTimersByTimeAsync(0)
    expect(scheduler.backingOff(push('Account'))).toBe(true)
    for (let i = 0; i < 50; i += 1) {
      scheduler.signal(push('Account'), `during-${i}`)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(seen).toHaveLength(1) // 50 signals in 5 s, and no second call
    await vi.advanceTimersByTimeAsync(25_000)
    expect(seen).toHaveLength(2)
    expect(seen[1]?.[0]).toBe('first')
    expect(seen[1]).toHaveLength(51)
    expect(scheduler.backingOff(push('Account'))).toBe(false)
  })

  it('close() waits for the run in flight, drops queued ones and pending retries', async () => {
    const gate = deferred()
    const started = deferred()
    const finished: string[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: () => 1_000,
      run: async ({ lane }) => {
        if (lane.object === 'Slow') {
          started.resolve()
          await gate.promise
        }
        if (lane.object === 'Failing') throw new Error('503')
        finished.push(lane.object)
      },
    })
    scheduler.signal(pull('Failing'))
    await vi.advanceTimersByTimeAsync(0)
    scheduler.signal(pull('Slow'))
    scheduler.signal(pull('Queued'))
    await started.promise
    let closed = false
    const closing = scheduler.close().then(() => {
      closed = true
    })
    await vi.advanceTimersByTimeAsync(5_000)
    expect(closed).toBe(false)
    gate.resolve()
    await closing
    expect(finished).toEqual(['Slow'])
    scheduler.signal(pull('AfterClose'))
    await vi.advanceTimersByTimeAsync(5_000)
    await scheduler.drain()
    expect(finished).toEqual(['Slow'])
    expect(vi.getTimerCount()).toBe(0)
  })
})
