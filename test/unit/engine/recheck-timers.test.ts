import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RecheckTimers } from '../../../src/engine/recheck-timers.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('RecheckTimers', () => {
  it('asks for one pull per mapping, at the earliest time asked for', () => {
    const pulls: string[] = []
    const timers = new RecheckTimers((object) => pulls.push(object))
    timers.in('Account', 4_000)
    timers.in('Account', 2_000)
    timers.in('Account', 8_000)
    timers.in('Contact', 1_000)
    vi.advanceTimersByTime(1_100)
    expect(pulls).toEqual(['Contact'])
    vi.advanceTimersByTime(1_000)
    expect(pulls).toEqual(['Contact', 'Account'])
    vi.advanceTimersByTime(10_000)
    expect(pulls).toEqual(['Contact', 'Account'])
  })

  it('drops its timers when closed', () => {
    const pull = vi.fn()
    const timers = new RecheckTimers(pull)
    timers.in('Account', 2_000)
    timers.close()
    vi.advanceTimersByTime(10_000)
    expect(pull).not.toHaveBeenCalled()
  })
})
