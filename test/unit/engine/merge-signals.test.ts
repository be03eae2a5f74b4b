import { describe, expect, it, vi } from 'vitest'
import { mergeSignals } from '../../../src/engine/merge-signals.js'

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
