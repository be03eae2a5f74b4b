import { describe, expect, it } from 'vitest'
import { foldRecordChanges } from '../../../src/strategies/fold-record-changes.js'
import { MergedWriteStrategy } from '../../../src/strategies/merged-write-strategy.js'
import { entry, fakeContext } from './fake-write-context.js'

describe('foldRecordChanges', () => {
  it.each([
    [
      'insert + updates → insert with final values',
      [entry(1, 'INSERT', 1, { name: 'a', x: '1' }), entry(2, 'UPDATE', 1, { name: 'b' })],
      'INSERT',
      { name: 'b', x: '1' },
    ],
    [
      'updates → union of changed columns',
      [entry(1, 'UPDATE', 1, { name: 'a' }), entry(2, 'UPDATE', 1, { x: '2' })],
      'UPDATE',
      { name: 'a', x: '2' },
    ],
    [
      'updates + delete → delete',
      [entry(1, 'UPDATE', 1, { name: 'a' }), entry(2, 'DELETE', 1)],
      'DELETE',
      {},
    ],
    [
      'insert + delete → nothing',
      [
        entry(1, 'INSERT', 1, { name: 'a' }),
        entry(2, 'UPDATE', 1, { name: 'b' }),
        entry(3, 'DELETE', 1),
      ],
      'NONE',
      {},
    ],
  ])('%s', (_, entries, action, values) => {
    expect(foldRecordChanges(entries)).toMatchObject({ action, values })
  })
})

describe('MergedWriteStrategy', () => {
  it('sends one operation per record, packed by kind: deletes, then updates, then inserts', async () => {
    const { context, calls } = fakeContext()
    const results = await new MergedWriteStrategy().write(
      [
        entry(1, 'UPDATE', 1, { name: 'a1' }, 'S1'),
        entry(2, 'INSERT', 2, { name: 'new' }),
        entry(3, 'UPDATE', 1, { name: 'a2' }, 'S1'),
        entry(4, 'UPDATE', 2, { name: 'new2' }),
        entry(5, 'DELETE', 3, {}, 'S3'),
        entry(6, 'INSERT', 4, { name: 'gone' }),
        entry(7, 'DELETE', 4),
      ],
      context,
    )
    expect(calls.map((c) => [c.kind, c.records.map((r) => r.Name ?? r.Id)])).toEqual([
      ['delete', ['S3']],
      ['update', ['a2']],
      ['create', ['new2']],
    ])
    expect(results.map((r) => [r.entryId, r.outcome])).toEqual([
      [1, 'merged'],
      [2, 'merged'],
      [3, 'success'],
      [4, 'success'],
      [5, 'success'],
      [6, 'ignored'],
      [7, 'ignored'],
    ])
  })

  it('sends the delete of a row the app then inserted again with the same id, before the insert', async () => {
    const { context, calls } = fakeContext()
    const results = await new MergedWriteStrategy().write(
      [
        entry(1, 'UPDATE', 7, { name: 'old2' }, 'S7'),
        entry(2, 'DELETE', 7, {}, 'S7'),
        entry(3, 'INSERT', 7, { name: 'again' }),
      ],
      context,
    )
    expect(calls.map((c) => [c.kind, c.records.map((r) => r.Name ?? r.Id)])).toEqual([
      ['delete', ['S7']],
      ['create', ['again']],
    ])
    expect(results.map((r) => [r.entryId, r.outcome])).toEqual([
      [1, 'merged'],
      [2, 'success'],
      [3, 'success'],
    ])
  })

  it('marks every entry of a rejected record FAILED so a retry resends its whole history', async () => {
    const { context } = fakeContext()
    const results = await new MergedWriteStrategy().write(
      [entry(1, 'INSERT', 1, { name: 'ok' }), entry(2, 'UPDATE', 1, { name: 'BAD' })],
      context,
    )
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'failed'])
  })

  it('needs ⌈records/200⌉ calls per kind', async () => {
    const { context, calls } = fakeContext()
    const entries = Array.from({ length: 1000 }, (_, i) =>
      entry(i + 1, i % 2 ? 'UPDATE' : 'INSERT', Math.floor(i / 2) + 1, { name: `v${i}` }),
    )
    await new MergedWriteStrategy().write(entries, context)
    expect(calls.map((c) => [c.kind, c.records.length])).toEqual([
      ['create', 200],
      ['create', 200],
      ['create', 100],
    ])
  })
})
