import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DoorKeeper } from '../../../src/engine/door-keeper.js'
import type { Renewal } from '../../../src/store/doorbell.js'

/** A doorbell that records what it was asked, and refuses to reopen while `inFlight`. */
function fakeDoorbell() {
  const calls: string[] = []
  const bell = {
    calls,
    inFlight: false,
    /** Whether the word that the engine LISTENs had run out when a renewal comes. */
    lapsed: false,
    async hold(ms?: number) {
      calls.push(`hold ${ms}`)
    },
    async release(ring?: boolean, listening?: boolean, force?: boolean) {
      calls.push(
        (force ? 'release forced' : bell.inFlight ? 'release refused' : 'release') +
          (ring ? ' ringing' : '') +
          (listening === false ? ' quietly' : ''),
      )
      return force === true || !bell.inFlight
    },
    async renew(): Promise<Renewal> {
      const renewal = { renewed: !bell.inFlight, lapsed: bell.lapsed }
      calls.push(
        `renew: ${[renewal.renewed ? 'renewed' : 'busy', renewal.lapsed ? 'lapsed' : '']
          .filter(Boolean)
          .join(', ')}`,
      )
      return renewal
    },
  }
  return bell
}

let bell: ReturnType<typeof fakeDoorbell>
let pushes: number
let errors: unknown[]
let door: DoorKeeper

beforeEach(() => {
  vi.useFakeTimers()
  bell = fakeDoorbell()
  pushes = 0
  errors = []
  door = new DoorKeeper({
    doorbell: bell,
    pushAll: () => {
      pushes += 1
    },
    onError: (error) => errors.push(error),
  })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('DoorKeeper', () => {
  it('reopens a door left held by an engine before it, on its first push that finds nothing', async () => {
    await door.afterPush('Account', 0)
    expect(bell.calls).toEqual(['release'])
    expect(pushes).toBe(1) // the final drain
    expect(door.held).toBe(false)
    await door.afterPush('Account', 0)
    expect(bell.calls).toEqual(['release'])
  })

  it('holds the door while pushes send, pushing every mapping itself; reopens it when all come back empty', async () => {
    await door.afterPush('Account', 0) // reopens the start's door
    bell.calls.length = 0
    pushes = 0
    await door.beforePush(['notify'])
    expect(bell.calls).toEqual(['hold 30000'])
    await door.afterPush('Account', 3)
    expect(pushes).toBe(1) // nobody rings meanwhile: the engine asks itself
    await door.afterPush('Contact', 2)
    expect(pushes).toBe(2)
    expect(bell.calls).toEqual(['hold 30000']) // refreshed at most every 10 s
    await door.afterPush('Account', 0)
    expect(bell.calls).toEqual(['hold 30000']) // Contact still sends
    await door.afterPush('Contact', 0)
    expect(bell.calls).toEqual(['hold 30000', 'release'])
    expect(pushes).toBe(3) // the final drain
    expect(door.held).toBe(false)
  })

  it('refreshes a held door while pushes keep sending, at most every 10 s', async () => {
    await door.beforePush(['notify'])
    await door.afterPush('Account', 1)
    vi.advanceTimersByTime(9_000)
    await door.afterPush('Account', 1)
    expect(bell.calls).toEqual(['hold 30000'])
    vi.advanceTimersByTime(2_000)
    await door.afterPush('Account', 1)
    await door.beforePush(['notify'])
    expect(bell.calls).toEqual(['hold 30000', 'hold 30000'])
  })

  it('a push that sends holds the door from its first round, refreshed at most every 10 s', async () => {
    await door.afterPush('Account', 0) // reopens the start's door
    bell.calls.length = 0
    await door.beforePush(['poll'])
    door.sending()
    door.sending()
    await vi.advanceTimersByTimeAsync(0)
    expect(bell.calls).toEqual(['hold 30000'])
    await vi.advanceTimersByTimeAsync(10_000)
    door.sending()
    await vi.advanceTimersByTimeAsync(0)
    expect(bell.calls).toEqual(['hold 30000', 'hold 30000'])
  })

  it('pushes without a notification hold nothing until they send', async () => {
    await door.beforePush(['poll', 'startup', 'drain'])
    expect(bell.calls).toEqual([])
  })

  it('while writers that skipped the notify are in flight, pushes and tries again, 100 ms doubling to 500 ms', async () => {
    await door.beforePush(['notify'])
    await door.afterPush('Account', 1)
    bell.inFlight = true
    pushes = 0
    await door.afterPush('Account', 0)
    expect(bell.calls.slice(1)).toEqual(['release refused'])
    expect(pushes).toBe(1) // what committed meanwhile goes now
    expect(door.held).toBe(true)
    // Empty pushes meanwhile leave the retry to its timer.
    await door.afterPush('Account', 0)
    expect(bell.calls.slice(1)).toEqual(['release refused'])
    await vi.advanceTimersByTimeAsync(99)
    expect(bell.calls.slice(1)).toEqual(['release refused'])
    await vi.advanceTimersByTimeAsync(1)
    expect(bell.calls.slice(1)).toEqual(['release refused', 'release refused'])
    await vi.advanceTimersByTimeAsync(200)
    await vi.advanceTimersByTimeAsync(400)
    await vi.advanceTimersByTimeAsync(500)
    expect(bell.calls.slice(1)).toEqual(Array(5).fill('release refused'))
    expect(pushes).toBe(5)

    bell.inFlight = false
    await vi.advanceTimersByTimeAsync(500)
    expect(bell.calls.at(-1)).toBe('release')
    expect(pushes).toBe(6) // the final drain, which sees their changes
    expect(door.held).toBe(false)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(bell.calls.at(-1)).toBe('release')
    expect(bell.calls).toHaveLength(7)
  })

  it('a retry waits while a push sends again: the last empty push tries', async () => {
    await door.beforePush(['notify'])
    bell.inFlight = true
    await door.afterPush('Account', 0)
    await door.afterPush('Account', 2)
    await vi.advanceTimersByTimeAsync(100)
    expect(bell.calls).toEqual(['hold 30000', 'release refused'])
    bell.inFlight = false
    await door.afterPush('Account', 0)
    expect(bell.calls).toEqual(['hold 30000', 'release refused', 'release'])
  })

  it('a failing hold is reported and does not stop the drain', async () => {
    bell.hold = async () => {
      throw new Error('connection refused')
    }
    await door.afterPush('Account', 1)
    expect(errors).toHaveLength(1)
    expect(pushes).toBe(1)
  })

  it('close() reopens a door it holds once writers let it, ringing, and stops retrying', async () => {
    await door.beforePush(['notify'])
    bell.inFlight = true
    await door.afterPush('Account', 0)
    const closed = door.close()
    await vi.advanceTimersByTimeAsync(100)
    bell.inFlight = false
    await vi.advanceTimersByTimeAsync(200)
    await closed
    expect(bell.calls).toEqual([
      'hold 30000',
      'release refused', // the engine's own try, before the stop
      'release refused ringing quietly',
      'release refused ringing quietly', // 100 ms later
      'release ringing quietly', // 200 ms later
    ])
    await vi.advanceTimersByTimeAsync(5_000)
    expect(bell.calls).toHaveLength(5)
    await door.afterPush('Account', 1)
    await door.pushFailed('Account')
    expect(bell.calls).toHaveLength(5)
  })

  it('close() reopens and rings without the lock when writers keep it for a second', async () => {
    await door.beforePush(['notify'])
    bell.inFlight = true
    const closed = door.close()
    await vi.advanceTimersByTimeAsync(1_200)
    await closed
    expect(bell.calls.at(-1)).toBe('release forced ringing quietly')
    // Tried with the lock at 0, 100, 300 and 700 ms; the next try would come after the second.
    expect(bell.calls.filter((c) => c === 'release refused ringing quietly')).toHaveLength(4)
  })

  it('close() rings even when the door is already open: the final drain may not have run', async () => {
    await door.afterPush('Account', 0) // reopened, and asked for its final drain
    expect(bell.calls).toEqual(['release'])
    await door.close()
    expect(bell.calls).toEqual(['release', 'release ringing quietly'])
  })

  it('close() gives up at once when Postgres is gone', async () => {
    await door.beforePush(['notify'])
    bell.release = async () => {
      throw new Error('connection terminated')
    }
    await door.close()
    expect(bell.calls).toEqual(['hold 30000'])
  })

  it('a mapping whose push fails no longer keeps the door held for the others', async () => {
    await door.beforePush(['notify'])
    await door.afterPush('Account', 3) // Account sends: held while it drains
    await door.afterPush('Contact', 0)
    expect(bell.calls).toEqual(['hold 30000'])
    pushes = 0
    await door.pushFailed('Account') // its retry comes from the engine's backoff
    expect(bell.calls).toEqual(['hold 30000', 'release'])
    expect(pushes).toBe(1) // the final drain
    expect(door.held).toBe(false)
  })

  it('a pushAll that throws is reported, and renewals go on', async () => {
    const failing = new DoorKeeper({
      doorbell: bell,
      pushAll: () => {
        throw new Error('a listener threw')
      },
      onError: (error) => errors.push(error),
    })
    bell.lapsed = true
    failing.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(errors).toEqual([new Error('a listener threw')])
    bell.lapsed = false
    await vi.advanceTimersByTimeAsync(10_000)
    expect(bell.calls).toEqual(['renew: renewed, lapsed', 'renew: renewed'])
    await failing.close()
  })

  it('close() rings the other engines when it reopens the door: it will not drain what skipped the notify', async () => {
    await door.beforePush(['notify'])
    await door.afterPush('Account', 2)
    pushes = 0
    await door.close()
    expect(bell.calls).toEqual(['hold 30000', 'release ringing quietly'])
    expect(pushes).toBe(0)
  })

  it('from start(), says at once that it LISTENs and renews that every 10 s, holding or not', async () => {
    door.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(bell.calls).toEqual(['renew: renewed'])
    await vi.advanceTimersByTimeAsync(9_999)
    expect(bell.calls).toEqual(['renew: renewed'])
    await vi.advanceTimersByTimeAsync(1)
    expect(bell.calls).toEqual(['renew: renewed', 'renew: renewed'])
    expect(pushes).toBe(0)
    await door.beforePush(['notify'])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(bell.calls.slice(2)).toEqual(['hold 30000', 'renew: renewed'])
  })

  it('a word that had run out is renewed, then every mapping pushed: writers may have skipped the notify', async () => {
    bell.lapsed = true
    door.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(bell.calls.at(-1)).toBe('renew: renewed, lapsed')
    expect(pushes).toBe(1)
  })

  it('a word run out that a long transaction keeps from being renewed: pushes at every try', async () => {
    bell.lapsed = true
    bell.inFlight = true
    door.start()
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(500)
    await vi.advanceTimersByTimeAsync(500)
    expect(bell.calls).toEqual(Array(3).fill('renew: busy, lapsed'))
    expect(pushes).toBe(3) // what writers that skipped the notify committed meanwhile
  })

  it('stopRenewing() before the sources stop: no renewal after it, even one in flight', async () => {
    let finish: () => void = () => {}
    bell.renew = async () => {
      bell.calls.push('renew')
      await new Promise<void>((resolve) => {
        finish = resolve
      })
      return { renewed: true, lapsed: false }
    }
    door.start()
    await vi.advanceTimersByTimeAsync(0)
    door.stopRenewing()
    finish()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(bell.calls).toEqual(['renew'])
  })

  it('while writers hold the doorbell, a renewal tries again after 500 ms; close() stops renewing', async () => {
    bell.inFlight = true
    door.start()
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(500)
    expect(bell.calls).toEqual(['renew: busy', 'renew: busy'])
    bell.inFlight = false
    await vi.advanceTimersByTimeAsync(500)
    expect(bell.calls.at(-1)).toBe('renew: renewed')
    await door.close()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(bell.calls).toEqual([
      'renew: busy',
      'renew: busy',
      'renew: renewed',
      'release ringing quietly', // it started as if holding
    ])
  })

  it('while its LISTEN is deaf it stops saying it LISTENs; once it hears, it says so and pushes', async () => {
    let deaf = true
    const keeper = new DoorKeeper({
      doorbell: bell,
      pushAll: () => {
        pushes += 1
      },
      onError: (error) => errors.push(error),
      listening: () => !deaf,
    })
    keeper.start()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(bell.calls).toEqual([]) // no renewal: writers stop notifying once the word runs out
    await keeper.afterPush('Account', 0) // reopening the door does not say it either
    expect(bell.calls).toEqual(['release quietly'])
    deaf = false
    bell.lapsed = true
    await vi.advanceTimersByTimeAsync(1_000) // checked every second
    expect(bell.calls).toEqual(['release quietly', 'renew: renewed, lapsed'])
    expect(pushes).toBe(2) // the release's final drain, then the writes that skipped meanwhile
    await keeper.close()
  })

  it('a failing renewal is reported, and tried again 10 s later', async () => {
    bell.renew = async () => {
      bell.calls.push('renew failed')
      throw new Error('connection refused')
    }
    door.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(errors).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(errors).toHaveLength(2)
  })
})
