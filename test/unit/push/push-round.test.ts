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

/**
 * A round of `count` entries: updates of synced records, inserts without an external id
 * (creates), or inserts that carry one (upserts). `actions` mixes kinds, one entry each.
 */
function round(
  fake: ReturnType<typeof fakeQueue>,
  count: number,
  kind: Kind = 'update',
  actions: readonly Kind[] = Array(count).fill(kind),
  after?: Promise<unknown>,
) {
  const entries = actions.map((action, i) =>
    action === 'update'
      ? entry(i + 1, 'UPDATE', i + 1, { name: `N${i}` }, `001${String(i).padStart(15, '0')}`)
      : action === 'create'
        ? entry(i + 1, 'INSERT', i + 1, { name: `N${i}` })
        : entry(i + 1, 'INSERT', i + 1, { name: `N${i}`, ext: `E${i}` }),
  )
  const { context } = fakeContext({ externalId: 'Ext__c' })
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
    after,
  })
}
type Kind = 'update' | 'create' | 'upsert'

/** A gate: commits wait until `open()`. */
function gate() {
  let open = () => {}
  const closed = new Promise<void>((resolve) => {
    open = resolve
  })
  return { closed, open }
}

/** Lets every promise chain that can go on without I/O run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('PushRound', () => {
  it('commits the calls as they answer, together when they answer together, then the rest', async () => {
    const fake = fakeQueue(0)
    const { results } = await round(fake, 450).run()
    expect(results).toHaveLength(450)
    // Two calls go out at once (different records) and answer before the first commit starts:
    // one commit for both; the third call's in the next. Nothing is left for the end.
    expect(fake.log).toEqual([
      'call update',
      'call update',
      'commit 400 started',
      'call update',
      'commit 50 started',
    ])
    expect(fake.settled.map((s) => s.length)).toEqual([400, 50])
  })

  it("a held entry keeps its record's later changes back: a row inserted and deleted is not half sent", async () => {
    const fake = fakeQueue(0)
    const { context, calls } = fakeContext({ externalId: 'Ext__c' })
    const { results } = await new PushRound({
      plan,
      // The insert waits (for a parent, or behind a delete that did not go through); the delete
      // of the same row must wait with it, or it would be ignored (no sfid yet) and the insert
      // later create a record for a row that is gone.
      entries: [entry(1, 'INSERT', 7, { name: 'N', ext: 'K2' }), entry(2, 'DELETE', 7)],
      held: new Set([1]),
      strategy: new OrderedWriteStrategy(),
      context,
      queue: fake.queue,
      store: {} as SyncStore,
      retryPolicy: quickRetry,
      leaseMs: 60_000,
    }).run()
    expect(results).toEqual([
      { entryId: 1, outcome: 'deferred' },
      { entryId: 2, outcome: 'deferred' },
    ])
    expect(calls).toEqual([])
  })

  it('a delete that waits keeps back the inserts after it that carry an external id', async () => {
    const fake = fakeQueue(0)
    const { context, calls } = fakeContext({ externalId: 'Ext__c' })
    const { results } = await new PushRound({
      plan,
      // Row 1's delete waits (held); row 2 may reuse its key: the upsert would land on the
      // record the delete removes when it goes through. Row 3 has no key: it goes.
      entries: [
        entry(1, 'DELETE', 1, {}, 'S1'),
        entry(2, 'INSERT', 2, { name: 'again', ext: 'K' }),
        entry(3, 'INSERT', 3, { name: 'other' }),
      ],
      held: new Set([1]),
      strategy: new OrderedWriteStrategy(),
      context,
      queue: fake.queue,
      store: { raiseInsertFence: async () => ({ lift: async () => {} }) } as unknown as SyncStore,
      retryPolicy: quickRetry,
      leaseMs: 60_000,
    }).run()
    expect(results.find((r) => r.entryId === 2)).toEqual({ entryId: 2, outcome: 'deferred' })
    expect(calls.map((c) => [c.kind, c.records.map((r) => r.Name)])).toEqual([
      ['create', ['other']],
    ])
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

  it.each([
    ['updates', 'update'],
    ['upserts on an external id', 'upsert'],
  ] as const)(
    'makes the next call while %s commit (a resend could not duplicate them)',
    async (_, kind) => {
      const held = gate()
      const fake = fakeQueue(0, held.closed)
      const running = round(fake, 450, kind).run()
      await settle()
      // All three calls went out while the first commit was still held.
      expect(fake.log.filter((l) => l.startsWith('call'))).toHaveLength(3)
      expect(fake.settled).toEqual([])
      held.open()
      await running
      expect(fake.settled.map((s) => s.length)).toEqual([400, 50])
    },
  )

  it('makes no create until the commits before it landed', async () => {
    const held = gate()
    const fake = fakeQueue(0, held.closed)
    const running = round(fake, 450, 'create').run()
    await settle()
    expect(fake.log).toEqual(['call create', 'commit 200 started'])
    held.open()
    await running
    expect(fake.log).toEqual([
      'call create',
      'commit 200 started',
      'call create',
      'commit 200 started',
      'call create',
      'commit 50 started',
    ])
  })

  it('after a round still committing: no create and no commit before its commits landed', async () => {
    const before = gate()
    const fake = fakeQueue(0)
    const running = round(fake, 250, 'create', undefined, before.closed).run()
    await settle()
    expect(fake.log).toEqual([])
    before.open()
    await running
    expect(fake.log).toEqual([
      'call create',
      'commit 200 started',
      'call create',
      'commit 50 started',
    ])
  })

  it('after a round whose commits failed: no create, nothing committed, every entry given back', async () => {
    const lost = new PostgresError('connection lost', { sqlState: '08006' })
    const creates = fakeQueue(0)
    await expect(round(creates, 250, 'create', undefined, Promise.reject(lost)).run()).rejects.toBe(
      lost,
    )
    expect(creates.log).toEqual([])
    expect(creates.released).toEqual([Array.from({ length: 250 }, (_, i) => i + 1)])
    // Updates (harmless to send again) may go out; their outcomes are not committed either.
    const updates = fakeQueue(0)
    await expect(round(updates, 250, 'update', undefined, Promise.reject(lost)).run()).rejects.toBe(
      lost,
    )
    expect(updates.settled).toEqual([])
    expect(updates.released).toEqual([Array.from({ length: 250 }, (_, i) => i + 1)])
  })

  it('sends no create while an earlier commit is under way, and none after it failed', async () => {
    // An update (its commit overlaps what follows), then an insert without an external id.
    const fake = fakeQueue(100)
    await expect(round(fake, 2, 'update', ['update', 'create']).run()).rejects.toMatchObject({
      sqlState: '08006',
    })
    expect(fake.log.filter((l) => l.startsWith('call'))).toEqual(['call update'])
    expect(fake.released).toEqual([[1, 2]])
  })

  it('after a commit fails for good, makes no later commit and gives back every entry', async () => {
    const fake = fakeQueue(100)
    await expect(round(fake, 450).run()).rejects.toMatchObject({ sqlState: '08006' })
    expect(fake.settled).toEqual([])
    // Once, all together, so they go again in order.
    expect(fake.released).toEqual([Array.from({ length: 450 }, (_, i) => i + 1)])
    expect(fake.log.filter((l) => l.startsWith('commit'))).toEqual(
      Array(4).fill('commit 400 started'),
    )
  })

  it('commits an entry once, however often the strategy hands it over', async () => {
    const fake = fakeQueue(0)
    const r = round(fake, 1)
    const commit = (r as unknown as { commit(results: EntryResult[]): Promise<void> }).commit.bind(
      r,
    )
    await commit([{ entryId: 1, outcome: 'failed' }])
    await commit([{ entryId: 1, outcome: 'success' }])
    await (r as unknown as { settled(): Promise<void> }).settled()
    expect(fake.settled).toEqual([[{ entryId: 1, outcome: 'failed' }]])
  })
})
