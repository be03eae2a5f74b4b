import { afterEach, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { BulkWriteStrategy } from '../../../src/strategies/bulk-write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// A Bulk 2.0 ingest job that ran is never sent again blind: records created without an external
// id would be created twice. Its results are read again after a failed read; when they cannot be
// read at all, its entries fail, visibly, for an operator to check the job.
const db = useTestDatabase()
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

async function open() {
  const mapping = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name'],
    writeStrategy: new BulkWriteStrategy({ threshold: 10, pollIntervalMs: 10 }),
  })
  fixture = await syncFixture(db(), [mapping], { over: 'http' })
  const f = fixture
  await db().pool.query(
    `INSERT INTO "${f.connection.schema}".account (name) SELECT 'A' || g FROM generate_series(1, 50) g`,
  )
  return f
}

it('reads a job’s results again after a failed read: no record created twice', async () => {
  const f = await open()
  f.org.faults.failRequests({ method: 'GET', path: '/successfulResults', status: 503 })
  const report = await f.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ succeeded: 50, failed: 0 })
  expect(f.org.all('Account')).toHaveLength(50)
}, 60_000)

it('asks for a job’s state again after a failed ask', async () => {
  const f = await open()
  f.org.faults.failRequests({ method: 'GET', path: /\/jobs\/ingest\/[^/]+$/, status: 503 })
  const report = await f.engine.syncOnce()
  expect(report.pushes[0]).toMatchObject({ succeeded: 50, failed: 0 })
  expect(f.org.all('Account')).toHaveLength(50)
}, 60_000)

it('fails the entries of a job whose outcome cannot be read, and never sends them again', async () => {
  const f = await open()
  f.org.faults.failRequests({ method: 'GET', path: '/successfulResults', status: 503, count: 10 })
  const first = await f.engine.syncOnce().catch((error: unknown) => error)
  expect(first).not.toBeInstanceOf(Error)
  const failed = await db().pool.query(
    `SELECT count(*)::int AS n FROM "${f.connection.schema}"._trigger_log
     WHERE state = 'FAILED' AND sf_message LIKE 'BULK_JOB_OUTCOME_UNKNOWN%'`,
  )
  expect(failed.rows).toEqual([{ n: 50 }])
  f.org.faults.clear()
  await f.engine.syncOnce()
  expect(f.org.all('Account')).toHaveLength(50) // created once, by the job
}, 60_000)
