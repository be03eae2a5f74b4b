import { describe, expect, it } from 'vitest'
import type { SObjectRecord } from '../../../src/salesforce/salesforce-types.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import { entry, fakeContext } from './fake-write-context.js'

describe('OrderedWriteStrategy', () => {
  it('groups consecutive entries of one action into calls of at most 200, in order', async () => {
    const { context, calls } = fakeContext()
    const entries = [
      ...Array.from({ length: 250 }, (_, i) => entry(i + 1, 'INSERT', i + 1, { name: `n${i}` })),
      entry(251, 'UPDATE', 1, { name: 'changed' }),
      entry(252, 'DELETE', 2),
    ]
    const results = await new OrderedWriteStrategy().write(entries, context)
    expect(calls.map((c) => [c.kind, c.records.length])).toEqual([
      ['create', 200],
      ['create', 50],
      ['delete', 1],
      ['update', 1],
    ])
    expect(results.every((r) => r.outcome === 'success')).toBe(true)
    // The delete and update used the ids the inserts got.
    expect(calls[2]?.records[0]?.Id).toBe(results[1]?.sfid)
    expect(calls[3]?.records[0]?.Id).toBe(results[0]?.sfid)
  })

  it('sends the calls of one step two at a time, but creates one at a time', async () => {
    const { context } = fakeContext()
    let inFlight = 0
    const most: Record<string, number> = {}
    const tracked =
      (kind: 'create' | 'update') => async (object: string, records: readonly SObjectRecord[]) => {
        inFlight += 1
        most[kind] = Math.max(most[kind] ?? 0, inFlight)
        await new Promise((resolve) => setImmediate(resolve))
        inFlight -= 1
        return context.salesforce[kind](object, records)
      }
    const salesforce = Object.assign(Object.create(context.salesforce), {
      create: tracked('create'),
      update: tracked('update'),
    })
    const inserts = Array.from({ length: 600 }, (_, i) =>
      entry(i + 1, 'INSERT', i + 1, { name: `n${i}` }),
    )
    const updates = Array.from({ length: 600 }, (_, i) =>
      entry(1000 + i, 'UPDATE', 1000 + i, { name: `u${i}` }, `001${String(i).padStart(15, '0')}`),
    )
    const results = await new OrderedWriteStrategy().write([...inserts, ...updates], {
      ...context,
      salesforce,
    })
    expect(results.every((r) => r.outcome === 'success')).toBe(true)
    expect(most).toEqual({ create: 1, update: 2 })
  })

  it('puts a record at most once in a call, keeping its order, and packs other records beside it', async () => {
    const { context, calls } = fakeContext()
    await new OrderedWriteStrategy().write(
      [
        entry(1, 'UPDATE', 1, { name: 'a' }, 'X1'),
        entry(2, 'UPDATE', 1, { name: 'b' }, 'X1'),
        entry(3, 'UPDATE', 2, { name: 'c' }, 'X2'),
      ],
      context,
    )
    expect(calls.map((c) => c.records.map((r) => r.Name))).toEqual([['a', 'c'], ['b']])
  })

  it('keeps the order of rows that share an external id value (one record in Salesforce)', async () => {
    // Row 1 inserted with key K, deleted; row 2 inserted with the same key K.
    const { context, calls } = fakeContext({ externalId: 'Ext__c' })
    await new OrderedWriteStrategy().write(
      [
        entry(1, 'INSERT', 1, { name: 'first', ext: 'K' }),
        entry(2, 'DELETE', 1),
        entry(3, 'INSERT', 2, { name: 'second', ext: 'K' }),
      ],
      context,
    )
    expect(calls.map((c) => [c.kind, c.records.map((r) => r.Name ?? r.Id)])).toEqual([
      ['upsert', ['first']],
      ['delete', [expect.any(String)]],
      ['upsert', ['second']],
    ])
  })

  it('a synced row updated, deleted, then its key inserted again: the delete goes before the upsert', async () => {
    // Row 1 (record S1, key K) is edited then deleted; row 2 comes with the same key. Were the
    // upsert of K sent before the delete, it would land on S1, which the delete then removes.
    const { context, calls } = fakeContext({ externalId: 'Ext__c' })
    await new OrderedWriteStrategy().write(
      [
        entry(1, 'UPDATE', 1, { name: 'edited' }, 'S1'),
        entry(2, 'DELETE', 1, {}, 'S1'),
        entry(3, 'INSERT', 2, { name: 'again', ext: 'K' }),
      ],
      context,
    )
    expect(calls.map((c) => [c.kind, c.records.map((r) => r.Name ?? r.Id)])).toEqual([
      ['update', ['edited']],
      ['delete', ['S1']],
      ['upsert', ['again']],
    ])
  })

  it('packs an app that interleaves inserts and updates: a few calls per 200 records', async () => {
    // Each record inserted then updated, the changes of 300 records interleaved.
    const { context, calls } = fakeContext()
    const entries = Array.from({ length: 300 }, (_, i) => [
      entry(2 * i + 1, 'INSERT', i + 1, { name: `n${i}` }),
      entry(2 * i + 2, 'UPDATE', i + 1, { name: `u${i}` }),
    ]).flat()
    const results = await new OrderedWriteStrategy().write(entries, context)
    expect(calls.map((c) => [c.kind, c.records.length])).toEqual([
      ['create', 200],
      ['create', 100],
      ['update', 200],
      ['update', 100],
    ])
    expect(results.every((r) => r.outcome === 'success')).toBe(true)
    // Every update went to the record its insert created.
    const created = new Map(
      results.filter((r) => r.entryId % 2 === 1).map((r) => [r.entryId, r.sfid]),
    )
    const updated = calls.filter((c) => c.kind === 'update').flatMap((c) => c.records)
    expect(updated[0]).toMatchObject({ Name: 'u0', Id: created.get(1) })
  })

  it('holds back the later entries of a record whose insert failed, not the others', async () => {
    const { context } = fakeContext()
    const results = await new OrderedWriteStrategy().write(
      [
        entry(1, 'INSERT', 1, { name: 'BAD' }),
        entry(2, 'INSERT', 2, { name: 'ok' }),
        entry(3, 'UPDATE', 1, { name: 'still bad' }),
        entry(4, 'UPDATE', 2, { name: 'ok2' }),
      ],
      context,
    )
    expect(results.map((r) => [r.entryId, r.outcome])).toEqual([
      [1, 'failed'],
      [2, 'success'],
      [3, 'deferred'],
      [4, 'success'],
    ])
    expect(results[0]?.error?.statusCode).toBe('REQUIRED_FIELD_MISSING')
  })

  it('defers retryable record errors, ignores deletes of never-synced rows', async () => {
    const { context } = fakeContext()
    const results = await new OrderedWriteStrategy().write(
      [entry(1, 'INSERT', 1, { name: 'LOCKED' }), entry(2, 'DELETE', 9)],
      context,
    )
    expect(results.map((r) => r.outcome)).toEqual(['deferred', 'ignored'])
    expect(results[0]?.error?.statusCode).toBe('UNABLE_TO_LOCK_ROW')
  })

  it('upserts inserts that carry the external id, creates the others', async () => {
    const { context, calls } = fakeContext({ externalId: 'Ext__c' })
    await new OrderedWriteStrategy().write(
      [
        entry(1, 'INSERT', 1, { name: 'a', ext: 'E1' }),
        entry(2, 'INSERT', 2, { name: 'b', ext: null }),
      ],
      context,
    )
    expect(calls.map((c) => c.kind)).toEqual(['upsert', 'create'])
  })

  it('takes a delete of a record Salesforce already deleted as done; an update of it fails', async () => {
    // A delete sent again after a crash finds the record gone: what it asked for is true.
    const { context } = fakeContext()
    const results = await new OrderedWriteStrategy().write(
      [entry(1, 'DELETE', 1, {}, 'GONE'), entry(2, 'UPDATE', 2, { name: 'x' }, 'GONE')],
      context,
    )
    expect(results.map((r) => [r.entryId, r.outcome])).toEqual([
      [1, 'success'],
      [2, 'failed'],
    ])
  })
})
