import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PushSettledRereads } from '../../../src/engine/push-settled-rereads.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('PushSettledRereads', () => {
  it('reads the records again once a push of their mapping ends, once per record', () => {
    const reads: [string, readonly string[]][] = []
    const rereads = new PushSettledRereads({
      fallbackMs: 2_000,
      reread: (object, sfids) => reads.push([object, sfids]),
    })
    rereads.add('Account', ['001A', '001B'])
    rereads.add('Account', ['001A'])
    rereads.pushEnded('Contact')
    expect(reads).toEqual([])
    rereads.pushEnded('Account')
    expect(reads).toEqual([['Account', ['001A', '001B']]])
    vi.advanceTimersByTime(10_000) // the fallback was cleared with them
    rereads.pushEnded('Account')
    expect(reads).toHaveLength(1)
  })

  it('reads them after the fallback when no push ends here (another worker’s push)', () => {
    const reads: readonly string[][] = []
    const rereads = new PushSettledRereads({
      fallbackMs: 2_000,
      reread: (_, sfids) => (reads as string[][]).push([...sfids]),
    })
    rereads.add('Account', ['001A'])
    vi.advanceTimersByTime(1_999)
    expect(reads).toEqual([])
    vi.advanceTimersByTime(1)
    expect(reads).toEqual([['001A']])
  })

  it('forgets everything when closed', () => {
    const reread = vi.fn()
    const rereads = new PushSettledRereads({ fallbackMs: 2_000, reread })
    rereads.add('Account', ['001A'])
    rereads.close()
    vi.advanceTimersByTime(10_000)
    rereads.pushEnded('Account')
    expect(reread).not.toHaveBeenCalled()
  })
})
