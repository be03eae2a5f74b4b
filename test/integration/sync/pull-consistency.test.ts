import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import { InMemoryOrg, OrgClock } from '../../../src/testing.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

const nameOf = async (f: SyncFixture, sfid: string) =>
  (await f.rows('account', 'sfid, name')).find((r) => r.sfid === sfid)?.name

describe('pulls that overlap changes in Salesforce', () => {
  it('a load split into Bulk jobs keeps a record changed while a later job ran', async () => {
    fixture = await syncFixture(db(), [account], { tuning: { pull: { bulkChunkSize: 5_000 } } })
    const { org, engine, adapter } = fixture
    const ids = org.insert(
      'Account',
      Array.from({ length: 12_000 }, (_, i) => ({ Name: `A${i}` })),
    ) as string[]
    const early = ids[0] as string
    const late = ids.at(-1) as string
    // When the second job starts (the first one already read), users edit the org: a record of
    // the first job's range, then one of the last job's, later.
    const bulkQuery = adapter.bulkQuery.bind(adapter) as SalesforceAdapter['bulkQuery']
    let jobs = 0
    adapter.bulkQuery = ((soql, options) => {
      jobs += 1
      if (jobs === 2) {
        org.clock.advance(1_000)
        org.modify('Account', early, { Name: 'edited during load' })
        org.clock.advance(5_000)
        org.modify('Account', late, { Name: 'edited later' })
      }
      return bulkQuery(soql, options)
    }) as SalesforceAdapter['bulkQuery']
    await engine.syncOnce()
    expect(jobs).toBe(3)
    org.clock.advance(60_000)
    await engine.syncOnce()
    expect(await nameOf(fixture, early)).toBe('edited during load')
    expect(await nameOf(fixture, late)).toBe('edited later')
  }, 60_000)

  it('a record purged while its page waited is not written back after the deletion', async () => {
    // The org's clock behind ours: getDeleted's minute-floored window covers the purge.
    const org = new InMemoryOrg({ clock: new OrgClock(new Date(Date.now() - 10 * 60_000)) })
    fixture = await syncFixture(db(), [account], { org })
    const { engine, adapter } = fixture
    const [purged] = org.insert('Account', [{ Name: 'R0' }]) as string[]
    await engine.syncOnce()
    org.clock.advance(5_000)
    org.insert(
      'Account',
      Array.from({ length: 2_500 }, (_, i) => ({ Name: `F${i}` })),
    )
    org.clock.advance(1_000)
    org.modify('Account', purged as string, { Name: 'R1' }) // on the next pull's second page
    const getDeleted = adapter.getDeleted.bind(adapter)
    adapter.getDeleted = async (object, start, end) => {
      // Between the query (already answered) and getDeleted: the record is purged.
      org.remove('Account', purged as string)
      org.emptyRecycleBin([purged as string])
      org.clock.advance(60_000)
      return getDeleted(object, start, end)
    }
    const report = await engine.syncOnce()
    expect(report.pulls[0]?.deleted).toBe(1)
    expect(await nameOf(fixture, purged as string)).toBeUndefined()
  }, 60_000)

  it('a pull whose next page fails ends only once the page it was writing has', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine, connection } = fixture
    const [x] = org.insert('Account', [{ Name: 'X0' }]) as string[]
    await engine.syncOnce()
    org.clock.advance(10_000)
    org.modify('Account', x as string, { Name: 'X1' }) // on the first page of the next pull
    org.clock.advance(1_000)
    org.insert(
      'Account',
      Array.from({ length: 3_000 }, (_, i) => ({ Name: `F${i}` })),
    )
    // An app transaction holds X's row, so the first page's transaction waits; the second page's
    // read fails meanwhile.
    const app = await db().pool.connect()
    let released = false
    try {
      await app.query('BEGIN')
      await app.query(`SELECT 1 FROM "${connection.schema}".account WHERE sfid = $1 FOR UPDATE`, [
        x,
      ])
      org.faults.failRequests({ method: 'GET', path: '/query/01g', status: 503, count: 1 })
      let readFailed = false
      const queryAll = fixture.adapter.queryAll.bind(
        fixture.adapter,
      ) as SalesforceAdapter['queryAll']
      fixture.adapter.queryAll = ((soql, options) => ({
        async *[Symbol.asyncIterator]() {
          try {
            yield* queryAll(soql, options)
          } catch (error) {
            readFailed = true
            throw error
          }
        },
      })) as SalesforceAdapter['queryAll']
      const pull = engine.syncOnce().then(
        () => ({ settledAfterRelease: released }),
        () => ({ settledAfterRelease: released }),
      )
      await waitFor(
        async () => {
          const { rows } = await db().pool.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
            [`%INSERT INTO ${connection.schema}.account%`],
          )
          return rows.length > 0
        },
        10_000,
        "the first page's upsert waiting for the row",
      )
      await waitFor(() => readFailed, 10_000, 'the failed read of the second page')
      released = true
      await app.query('COMMIT')
      // Before the fix the pull rejected at once, its page's transaction still open, to commit
      // X1 later beside the pull that retried it.
      expect(await pull).toEqual({ settledAfterRelease: true })
    } finally {
      if (!released) await app.query('ROLLBACK').catch(() => {})
      app.release()
    }
  }, 60_000)
})
