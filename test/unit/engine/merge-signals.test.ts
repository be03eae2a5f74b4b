import { describe, expect, it, vi } from 'vitest'
import {
  compactSignals,
  MAX_NAMED_RECORDS,
  mergeSignals,
} from '../../../src/engine/merge-signals.js'

describe('mergeSignals', () => {
  it('keeps the records of both, the later position, the broader reason and both callbacks', () => {
    const first = vi.fn()
    const second = vi.fn()
    const merged = mergeSignals(
      {
        object: 'Account',
        direction: 'pull',
        reason: 'gap',
        recordIds: ['001A', '001B'],
        replayId: 41,
        channel: '/data/AccountChangeEvent',
        onCommitted: first,
      },
      {
        object: 'Account',
        direction: 'pull',
        reason: 'stream',
        recordIds: ['001B', '001C'],
        replayId: 42,
        channel: '/data/AccountChangeEvent',
        onCommitted: second,
      },
    )
    expect(merged).toMatchObject({
      reason: 'gap',
      recordIds: ['001A', '001B', '001C'],
      replayId: 42,
      channel: '/data/AccountChangeEvent',
    })
    merged.onCommitted?.()
    expect(first).toHaveBeenCalledOnce()
    expect(second).toHaveBeenCalledOnce()
  })

  it('takes the later opaque Pub/Sub replay id and its receive time', () => {
    const merged = mergeSignals(
      {
        object: 'A',
        direction: 'pull',
        reason: 'stream',
        replayId: Uint8Array.of(9),
        receivedAt: 1,
      },
      {
        object: 'A',
        direction: 'pull',
        reason: 'stream',
        replayId: Uint8Array.of(1),
        receivedAt: 2,
      },
    )
    expect(merged).toMatchObject({ replayId: Uint8Array.of(1), receivedAt: 2 })
  })
})

describe('compactSignals', () => {
  const channel = '/data/AccountChangeEvent'
  it('one signal per channel, one plain one per reason', () => {
    expect(
      compactSignals([
        { object: 'Account', direction: 'pull', reason: 'stream', recordIds: ['001A'], channel },
        { object: 'Account', direction: 'pull', reason: 'poll' },
        { object: 'Account', direction: 'pull', reason: 'stream', recordIds: ['001B'], channel },
        { object: 'Account', direction: 'pull', reason: 'poll' },
        { object: 'Account', direction: 'pull', reason: 'pushed' },
      ]),
    ).toEqual([
      {
        object: 'Account',
        direction: 'pull',
        reason: 'stream',
        recordIds: ['001A', '001B'],
        channel,
      },
      { object: 'Account', direction: 'pull', reason: 'poll' },
      { object: 'Account', direction: 'pull', reason: 'pushed' },
    ])
  })

  it('past MAX_NAMED_RECORDS records, a gap without ids: the pull follows the cursor', () => {
    const many = Array.from({ length: MAX_NAMED_RECORDS + 1 }, (_, i) => ({
      object: 'Account',
      direction: 'pull' as const,
      reason: 'stream' as const,
      recordIds: [`001${i}`],
      replayId: i,
      channel,
    }))
    expect(compactSignals(many)).toEqual([
      { object: 'Account', direction: 'pull', reason: 'gap', replayId: MAX_NAMED_RECORDS, channel },
    ])
  })
})
