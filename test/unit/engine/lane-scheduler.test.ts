import { describe, expect, it } from 'vitest'
import { type LaneRun, LaneScheduler } from '../../../src/engine/lane-scheduler.js'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('LaneScheduler', () => {
  it('runs a lane once per signal burst and never twice at the same time', async () => {
    const runs: LaneRun<string>[] = []
    let concurrent = 0
    let maxConcurrent = 0
    const gate = deferred()
    const scheduler = new LaneScheduler<string>({
      concurrency: 4,
      retryDelay: () => undefined,
      run: async (run) => {
        runs.push(run)
        concurrent += 1
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        if (runs.length === 1) await gate.promise
        concurrent -= 1
      },
    })
    scheduler.signal('pull:Account', 'a')
    await new Promise((r) => setTimeout(r, 5))
    scheduler.signal('pull:Account', 'b')
    scheduler.signal('pull:Account', 'c')
    gate.resolve()
    await scheduler.drain()
    expect(maxConcurrent).toBe(1)
    expect(runs.map((r) => r.hints)).toEqual([['a'], ['b', 'c']])
  })

  it('runs different lanes in parallel up to the concurrency', async () => {
    let concurrent = 0
    let maxConcurrent = 0
    const scheduler = new LaneScheduler<string>({
      concurrency: 2,
      retryDelay: () => undefined,
      run: async () => {
        concurrent += 1
        maxConcurrent = Math.max(maxConcurrent, concurrent)
        await new Promise((r) => setTimeout(r, 10))
        concurrent -= 1
      },
    })
    for (const key of ['a', 'b', 'c', 'd']) scheduler.signal(key)
    await scheduler.drain()
    expect(maxConcurrent).toBe(2)
  })

  it('retries a failed run after the delay, keeping its hints', async () => {
    const seen: (readonly string[])[] = []
    const outcomes: unknown[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: (_, attempt) => (attempt < 3 ? 5 : undefined),
      onOutcome: (outcome) =>
        outcomes.push(outcome.retryInMs ?? (outcome.error ? 'gave up' : 'ok')),
      run: async ({ hints }) => {
        seen.push(hints)
        if (seen.length < 3) throw new Error('503')
      },
    })
    scheduler.signal('push:Account', 'x')
    await new Promise((r) => setTimeout(r, 60))
    expect(seen).toEqual([['x'], ['x'], ['x']])
    expect(outcomes).toEqual([5, 5, 'ok'])
  })

  it('close() waits for the run in flight and drops queued ones', async () => {
    const gate = deferred()
    const finished: string[] = []
    const scheduler = new LaneScheduler<string>({
      concurrency: 1,
      retryDelay: () => undefined,
      run: async ({ key }) => {
        if (key === 'slow') await gate.promise
        finished.push(key)
      },
    })
    scheduler.signal('slow')
    scheduler.signal('queued')
    await new Promise((r) => setTimeout(r, 5))
    const closing = scheduler.close()
    let closed = false
    void closing.then(() => {
      closed = true
    })
    await new Promise((r) => setTimeout(r, 10))
    expect(closed).toBe(false)
    gate.resolve()
    await closing
    expect(finished).toEqual(['slow'])
    scheduler.signal('after-close')
    await scheduler.drain()
    expect(finished).toEqual(['slow'])
  })
})
