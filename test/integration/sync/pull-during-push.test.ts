import { afterEach, expect, it } from 'vitest'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresPollingSource } from '../../../src/sources/postgres-polling-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// A pull that reads a record while a push of it is in flight cannot tell the push's own write
// from someone else's, and decides nothing. The record waits in _pgforce_pull_recheck and is read
// again once due: a Salesforce change made meanwhile reaches the row, even when the cursor has
// moved well past it, and even when that pull failed after committing the page.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  pollIntervalMs: 1_000,
})
let fixture: SyncFixture | undefined
let release: () => void = () => {}
afterEach(async () => {
  release()
  await fixture?.engine.stop({ graceful: false })
  await fixture?.close()
  fixture = undefined
})

async function changeDuringPush(options: { readonly pullFailsAfterPage: boolean }) {
  let holding = false
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  // Salesforce has the push's values; the push has not committed its outcome yet.
  class SlowToCommit extends OrderedWriteStrategy {
    override async write(entries: readonly ChangeEntry[], context: WriteContext) {
      const commit = async (results: readonly EntryResult[]) => {
        if (holding) await released
        await context.commit(results)
      }
      return super.write(entries, { ...context, commit })
    }
  }
  fixture = await syncFixture(db(), [account], {
    writeStrategy: new SlowToCommit(),
    // getDeleted runs with every pull, after its first page (it can fail after that page).
    tuning: { pull: { hardDeleteIntervalMs: 0 } },
    sources: [new SalesforcePollingSource(), new PostgresPollingSource({ intervalMs: 100 })],
  })
  const f = fixture
  const { org } = f
  const [id, other] = org.insert('Account', [{ Name: 'v0' }, { Name: 'other' }]) as string[]
  const pulls: { awaitingPush?: readonly string[] }[] = []
  f.engine.on('pull:completed', (report) => pulls.push(report))
  let failed = 0
  f.engine.on('pull:failed', () => {
    failed += 1
  })
  await f.engine.start()
  await waitFor(async () => (await f.rows('account')).length === 2, 5_000, 'the first load')

  holding = true
  await db().pool.query(
    `UPDATE "${f.connection.schema}".account SET name = 'from the app' WHERE sfid = $1`,
    [id],
  )
  await waitFor(() => org.get(id as string)?.Name === 'from the app', 5_000, 'the push')
  if (options.pullFailsAfterPage) {
    // The next pull commits its page, then its getDeleted call fails.
    const getDeleted = f.adapter.getDeleted.bind(f.adapter)
    let failOnce = true
    Object.assign(f.adapter, {
      getDeleted: async (...args: Parameters<typeof getDeleted>) => {
        if (!failOnce) return getDeleted(...args)
        failOnce = false
        throw new SalesforceApiError('unavailable', {
          errorCode: 'SERVER_UNAVAILABLE',
          retryable: true,
        })
      },
    })
  }
  // Someone changes the record in Salesforce while the push's outcome is not committed; a later
  // change elsewhere moves the pull cursor far past it.
  org.clock.advance(1_000)
  org.modify('Account', id as string, { Name: 'changed in Salesforce' })
  org.clock.advance(10_000)
  org.modify('Account', other as string, { Name: 'other, later' })
  await waitFor(
    async () => (await f.rows('account')).some((row) => row.name === 'other, later'),
    5_000,
    'a pull past the change',
  )
  if (options.pullFailsAfterPage) await waitFor(() => failed > 0, 5_000, 'the failed pull')
  else
    await waitFor(
      () => pulls.some((report) => report.awaitingPush?.includes(id as string)),
      5_000,
      'the pull report naming the record',
    )
  const nameOf = async () =>
    (await f.rows('account', 'sfid, name')).find((r) => r.sfid === id)?.name
  expect(await nameOf()).toBe('from the app') // kept while the push was in flight
  release()
  await waitFor(
    async () => (await nameOf()) === 'changed in Salesforce',
    8_000,
    'the record read again',
  )
  expect(org.get(id as string)?.Name).toBe('changed in Salesforce')
}

it('a Salesforce change read while the push of the record was in flight reaches the row once it settles', async () => {
  await changeDuringPush({ pullFailsAfterPage: false })
}, 30_000)

it('… also when the pull that read it failed after committing the page', async () => {
  await changeDuringPush({ pullFailsAfterPage: true })
}, 30_000)

it('a record left waiting to be read again is read when due after a restart', async () => {
  const quiet = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
  fixture = await syncFixture(db(), [quiet], { sources: [new SalesforcePollingSource()] })
  const f = fixture
  const [id] = f.org.insert('Account', [{ Name: 'v0' }]) as string[]
  await f.engine.syncOnce()
  // What an engine stopped while a record waited leaves: a row due in 1 s, and a Salesforce value
  // only a read by id shows (no newer SystemModstamp for a cursor pull to find).
  f.org.recalculate('Account', id as string, { Name: 'changed in Salesforce' })
  await db().pool.query(
    `INSERT INTO "${f.connection.schema}"._pgforce_pull_recheck (table_name, sfid, due_at)
     VALUES ('account', $1, now() + interval '1 second')`,
    [id],
  )
  await f.engine.start() // polls every 10 minutes: only the recheck reads it now
  await waitFor(
    async () => (await f.rows('account', 'name'))[0]?.name === 'changed in Salesforce',
    5_000,
    'the record read when due',
  )
  expect(await f.rows('account', 'name')).toEqual([{ name: 'changed in Salesforce' }])
}, 30_000)

it('a pull that read a record before a push of it settled does not write the old value back', async () => {
  fixture = await syncFixture(db(), [account])
  const { schema } = fixture.connection
  const sql = (text: string) => db().pool.query(text.replaceAll('$s', `"${schema}"`))
  await sql(`INSERT INTO $s.account (name) VALUES ('Before')`)
  await fixture.engine.syncOnce() // synced: the record and the row say 'Before'
  // A second engine whose cursor pull reads its page, then waits before applying it.
  let read: () => void = () => {}
  const hasRead = new Promise<void>((resolve) => {
    read = resolve
  })
  const slow = new Proxy(fixture.adapter, {
    get(target, name, receiver) {
      if (name === 'queryAll')
        return async function* (soql: string) {
          const records = []
          for await (const record of target.queryAll(soql)) records.push(record)
          if (records.length > 0) {
            read()
            await released
          }
          yield* records
        }
      const value = Reflect.get(target, name, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const connection = await createConnection({ salesforce: slow, postgres: db().pool, schema })
  const puller = new SyncEngine({ connection, mappings: [account], sources: [] })
  fixture.org.clock.advance(5_000) // past the look-back: the puller's page holds just this record
  fixture.org.modify('Account', String(fixture.org.all('Account')[0]?.Id), { Name: 'Before' })
  const pulling = puller.syncOnce()
  await hasRead // it holds 'Before', read from Salesforce
  await sql(`UPDATE $s.account SET name = 'After'`)
  await fixture.engine.syncOnce() // the app's edit reaches Salesforce and settles
  release()
  const report = await pulling
  expect(report.pulls[0]?.awaitingPush).toHaveLength(1) // to be read again, once due
  expect((await sql(`SELECT name FROM $s.account`)).rows).toEqual([{ name: 'After' }])
  expect(fixture.org.all('Account').map((r) => r.Name)).toEqual(['After'])
})
