import { describe, expect, it } from 'vitest'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { BulkWriteStrategy } from '../../../src/strategies/bulk-write-strategy.js'
import { entry, fakeContext } from './fake-write-context.js'

describe('BulkWriteStrategy', () => {
  it('sends long runs as one ingest job and maps results back to entries', async () => {
    const { context, calls } = fakeContext()
    const entries = Array.from({ length: 3000 }, (_, i) =>
      entry(i + 1, 'INSERT', i + 1, { name: i === 7 ? 'BAD' : `n${i}` }),
    )
    const results = await new BulkWriteStrategy({ threshold: 2000 }).write(entries, context)
    expect(calls.map((c) => [c.kind, c.records.length])).toEqual([['bulk:insert', 3000]])
    expect(results.filter((r) => r.outcome === 'failed').map((r) => r.entryId)).toEqual([8])
    expect(results.filter((r) => r.outcome === 'success')).toHaveLength(2999)
  })

  it('writes short runs as ordered collections', async () => {
    const { context, calls } = fakeContext()
    await new BulkWriteStrategy({ threshold: 2000 }).write(
      [entry(1, 'INSERT', 1, { name: 'a' })],
      context,
    )
    expect(calls.map((c) => c.kind)).toEqual(['create'])
  })

  it('falls back to collections when a job fails as a whole', async () => {
    const { context, calls } = fakeContext({ bulkFails: true })
    const entries = Array.from({ length: 400 }, (_, i) =>
      entry(i + 1, 'INSERT', i + 1, { name: `n${i}` }),
    )
    const results = await new BulkWriteStrategy({ threshold: 100 }).write(entries, context)
    expect(calls.map((c) => c.kind)).toEqual(['bulk:insert', 'create', 'create'])
    expect(results.every((r) => r.outcome === 'success')).toBe(true)
  })

  it('deletes a record an earlier run of the batch inserted (no orphan in Salesforce)', async () => {
    // Rows 1–300 inserted, then rows 5 and 6 deleted, all before any of them synced.
    const { context, calls } = fakeContext()
    const entries = [
      ...Array.from({ length: 300 }, (_, i) => entry(i + 1, 'INSERT', i + 1, { name: `n${i}` })),
      entry(301, 'DELETE', 5),
      entry(302, 'DELETE', 6),
    ]
    const results = await new BulkWriteStrategy({ threshold: 100 }).write(entries, context)
    const inserted = new Map(
      results.filter((r) => r.entryId <= 300).map((r) => [r.entryId, r.sfid]),
    )
    expect(calls.map((c) => c.kind)).toEqual(['bulk:insert', 'delete'])
    expect(calls[1]?.records.map((r) => r.Id)).toEqual([inserted.get(5), inserted.get(6)])
    expect(results.filter((r) => r.entryId > 300).map((r) => r.outcome)).toEqual([
      'success',
      'success',
    ])
  })

  it('a job whose outcome is unknown: updates go back to be sent again, inserts fail (never twice)', async () => {
    const unknown = () => {
      throw new SalesforceApiError('Bulk ingest job 750 ran, but its outcome could not be read', {
        errorCode: 'BULK_JOB_OUTCOME_UNKNOWN',
      })
    }
    const updates = fakeContext()
    updates.context.salesforce.bulkIngest = unknown
    const edits = Array.from({ length: 300 }, (_, i) =>
      entry(i + 1, 'UPDATE', i + 1, { name: `u${i}` }, `001${i}`),
    )
    await expect(
      new BulkWriteStrategy({ threshold: 100 }).write(edits, updates.context),
    ).rejects.toMatchObject({ errorCode: 'BULK_JOB_OUTCOME_UNKNOWN' })

    const inserts = fakeContext()
    inserts.context.salesforce.bulkIngest = unknown
    const rows = Array.from({ length: 300 }, (_, i) =>
      entry(i + 1, 'INSERT', i + 1, { name: `n${i}` }),
    )
    const results = await new BulkWriteStrategy({ threshold: 100 }).write(rows, inserts.context)
    expect(new Set(results.map((r) => r.outcome))).toEqual(new Set(['failed']))
    expect(inserts.calls).toEqual([]) // nothing sent again through collections
  })

  it('asks the engine to claim large rounds', () => {
    expect(new BulkWriteStrategy().claimSize).toBe(10_000)
  })
})
