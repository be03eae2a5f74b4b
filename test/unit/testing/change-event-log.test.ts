import { describe, expect, it } from 'vitest'
import { ChangeEventLog } from '../../../src/testing/org/change-event-log.js'

describe('ChangeEventLog', () => {
  it('retains exactly the newest events, however many were published', () => {
    const log = new ChangeEventLog(50, () => true)
    for (let n = 1; n <= 1_000; n += 1) log.publish(n % 2 ? '/odd' : '/even', () => ({ n }))
    expect(log.earliestRetainedReplayId).toBe(951)
    expect(log.latestReplayId).toBe(1_000)
    expect(() => log.replay('/odd', 949)).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_REPLAY_ID' }),
    )
    const odd = log.replay('/odd', 950)
    expect(odd.map((e) => e.replayId)).toEqual(Array.from({ length: 25 }, (_, k) => 951 + 2 * k))
    expect(odd[0]?.data).toEqual({ n: 951 })
    log.setRetention(10)
    expect(log.earliestRetainedReplayId).toBe(991)
    expect(log.replay('/even', -2).map((e) => e.replayId)).toEqual([992, 994, 996, 998, 1_000])
  })

  it('builds an event’s data once, when first read: events nobody reads cost no payload', () => {
    const log = new ChangeEventLog(100, () => true)
    let built = 0
    const build = (replayId: number) => {
      built += 1
      return { replayId }
    }
    for (let n = 0; n < 10; n += 1) log.publish('/data/AccountChangeEvent', build)
    expect(built).toBe(0)
    const seen: unknown[] = []
    log.subscribe('/data/AccountChangeEvent', (event) => seen.push(event.data))
    log.publish('/data/AccountChangeEvent', build)
    const [event] = log.replay('/data/AccountChangeEvent', 10)
    expect(event?.data).toBe(seen[0])
    expect(built).toBe(1)
    expect(JSON.parse(JSON.stringify(event))).toEqual({
      channel: '/data/AccountChangeEvent',
      replayId: 11,
      data: { replayId: 11 },
    })
  })
})
