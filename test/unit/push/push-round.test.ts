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

/** A trigger-log queue whose commits fail `failures` times with a lost connection. */
function fakeQueue(failures: number) {
  const settled: EntryResult[][] = []
  const released: number[][] = []
  let left = failures
  const queue = {
    settle: async (_plan: unknown, _entries: unknown, results: readonly EntryResult[]) => {
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
  return { queue, settled, released }
}

const plan = { mapping: { table: 'account' }, writableColumns: [] } as unknown as MappingSchema
const quickRetry = new RetryPolicy({ sqlStates: { '08006': { minDelayMs: 1, maxDelayMs: 2 } } })

function round(queue: TriggerLogQueue, updates: number) {
  const entries = Array.from({ length: updates }, (_, i) =>
    entry(i + 1, 'UPDATE', i + 1, { name: `N${i}` }, `001${String(i).padStart(15, '0')}`),
  )
  const { context } = fakeContext()
  return new PushRound({
    plan,
    entries,
    held: new Set(),
    strategy: new OrderedWriteStrategy(),
    context,
    queue,
    store: {} as SyncStore, // no creates: no insert fence
    retryPolicy: quickRetry,
    leaseMs: 60_000,
  })
}

describe('PushRound', () => {
  it('commits each Salesforce call as it answers, then the rest', async () => {
    const { queue, settled } = fakeQueue(0)
    const { results } = await round(queue, 450).run()
    expect(results).toHaveLength(450)
    // Three calls of ≤ 200, each committed on its own; nothing left for the end.
    expect(settled.map((s) => s.length)).toEqual([200, 200, 50])
  })

  it('retries a commit that failed after Salesforce answered', async () => {
    const { queue, settled, released } = fakeQueue(2)
    await round(queue, 10).run()
    expect(settled[0]).toHaveLength(10)
    expect(released).toEqual([])
  })

  it('gives the entries back at once when the commit keeps failing', async () => {
    const { queue, released } = fakeQueue(100)
    await expect(round(queue, 10).run()).rejects.toMatchObject({ sqlState: '08006' })
    expect(released[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })
})
