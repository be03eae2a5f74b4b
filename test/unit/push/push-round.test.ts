import { describe, expect, it } from 'vitest'
import { PostgresError } from '../../../src/errors/postgres-error.js'
import { RetryPolicy } from '../../../src/errors/retry-policy.js'
import type { MappingSchema } from '../../../src/mappings/mapping-schema.js'
import { PushRound } from '../../../src/push/push-round.js'
import type { SyncStore } from '../../../src/store/sync-store.js'
import type { TriggerLogQueue } from '../../../src/store/trigger-log-queue.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type { EntryResult } from '../../../src/strategies/write-strategy.js'
import { entry, fakeContext } from '../strategies/fake-write-context.js'

/**
 * A trigger-log queue whose commits fail `failures` times with a lost connection, and, when
 * `gate` is given, do not finish before it opens. `log` records calls and commits in the order
 * they happened.
 */
function fakeQueue(failures: number, gate?: Promise<void>) {
  const settled: EntryResult[][] = []
  const released: number[][] = []
  const log: string[] = []
  let left = failures
  const queue = {
    settle: async (_plan: unknown, _entries: unknown, results: readonly EntryResult[]) => {
      log.push(`commit ${results.length} started`)
      await gate
      if (left > 0) {
        left -= 1
        throw new PostgresError('connection lost', { sqlState: '08006' })
      }
      settled.push([...results])
    },
    release: async (ids: readonly number[]) => {
      released.push([...ids])
    },
  } as Partial<TriggerLogQueue> as TriggerLogQueue
  return { queue, settled, released, log }
}

const plan = {
  mapping: { table: 'account' },
  columns: [],
  writableColumns: [],
} as unknown as MappingSchema
const quickRetry = new RetryPolicy({ sqlStates: { '08006': { minDelayMs: 1, maxDelayMs: 2 } } })

/** A round of `count` updates of synced records, or inserts without an external id. */
function round(
  fake: ReturnType<typeof fakeQueue>,
  count: number,
  action: 'UPDATE' | 'INSERT' = 'UPDATE',
) {
  const entries = Array.from({ length: count }, (_, i) =>
    action === 'UPDATE'
      ? entry(i + 1, 'UPDATE', i + 1, { name: `N${i}` }, `001${String(i).padStart(15, '0')}`)
      : entry(i + 1, 'INSERT', i + 1, { name: `N${i}` }),
  )
  const { context } = fakeContext()
  const salesforce = context.salesforce
  // Log each call as it is made, beside the queue's commits.
  const logged = new Proxy(salesforce, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        fake.log.push(`call ${String(name)}`)
        return value.apply(target, args)
      }
    },
  })
  const fence = { lift: async () => {}, stopRenewing: () => {}, id: '1' }
  return new PushRound({
    plan,
    entries,
    held: new Set(),
    strategy: new OrderedWriteStrategy(),
    context: { ...context, salesforce: logged },
    queue: fake.queue,
    store: { raiseInsertFence: async () => fence } as unknown as SyncStore,
    retryPolicy: quickRetry,
    leaseMs: 60_000,
  })
}

describe('PushRound', () => {
  it('commits each Salesforce call as it answers, then the rest', async () => {
    const fake = fakeQueue(0)
    const { results } = await round(fake, 450).run()
    expect(results).toHaveLength(450)
    // Three calls of ≤ 200, each committed on its own; nothing left for the end.
    expect(fake.settled.map((s) => s.length)).toEqual([200, 200, 50])
  })

  it('retries a commit that failed after Salesforce answered', async () => {
    const fake = fakeQueue(2)
    await round(fake, 10).run()
    expect(fake.settled[0]).toHaveLength(10)
    expect(fake.released).toEqual([])
  })

  it('gives the entries back at once when the commit keeps failing', async () => {
    const fake = fakeQueue(100)
    await expect(round(fake, 10).run()).rejects.toMatchObject({ sqlState: '08006' })
    expect(fake.released[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('makes the next call while updates commit (a resend could not duplicate them)', async () => {
    let open = () => {}
    const fake = fakeQueue(0, new Promise<void>((resolve) => (open = resolve)))
    const running = round(fake, 450).run()
    await new Promise((resolve) => setImmediate(resolve))
    // All three calls went out while the first commit was still held.
    expect(fake.log.filter((l) => l.startsWith('call'))).toHaveLength(3)
    expect(fake.settled).toEqual([])
    open()
    await running
    expect(fake.settled.map((s) => s.length)).toEqual([200, 200, 50])
  })

  it('waits for the commit of records created without an external id before the next call', async () => {
    const fake = fakeQueue(0)
    await round(fake, 450, 'INSERT').run()
    expect(fake.log).toEqual([
      'call create',
      'commit 200 started',
      'call create',
      'commit 200 started',
      'call create',
      'commit 50 started',
    ])
    expect(fake.settled.map((s) => s.length)).toEqual([200, 200, 50])
  })

  it('after a commit fails for good, makes no later commit and gives back every entry', async () => {
    const fake = fakeQueue(100)
    await expect(round(fake, 450).run()).rejects.toMatchObject({ sqlState: '08006' })
    expect(fake.settled).toEqual([])
    // The failed call's entries at once, then every entry without a commit, so they go again
    // in order.
    expect(fake.released[0]).toHaveLength(200)
    expect(fake.released.at(-1)).toEqual(Array.from({ length: 450 }, (_, i) => i + 1))
    expect(fake.log.filter((l) => l.startsWith('commit'))).toEqual(
      Array(4).fill('commit 200 started'),
    )
  })
})
