import { afterEach, expect, it } from 'vitest'
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
// from someone else's, and decides nothing. Once the push settles the record is read again: a
// Salesforce change made meanwhile reaches the row, even when the cursor has moved well past it.
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

it('a Salesforce change read while the push of the record was in flight reaches the row once it settles', async () => {
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
    sources: [new SalesforcePollingSource(), new PostgresPollingSource({ intervalMs: 100 })],
  })
  const f = fixture
  const { org } = f
  const [id, other] = org.insert('Account', [{ Name: 'v0' }, { Name: 'other' }]) as string[]
  const pulls: { awaitingPush?: readonly string[] }[] = []
  f.engine.on('pull:completed', (report) => pulls.push(report))
  await f.engine.start()
  await waitFor(async () => (await f.rows('account')).length === 2, 5_000, 'the first load')

  holding = true
  await db().pool.query(
    `UPDATE "${f.connection.schema}".account SET name = 'from the app' WHERE sfid = $1`,
    [id],
  )
  await waitFor(() => org.get(id as string)?.Name === 'from the app', 5_000, 'the push')
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
  // The pull's report (emitted after its last page committed) names the record.
  await waitFor(
    () => pulls.some((report) => report.awaitingPush?.includes(id as string)),
    5_000,
    'the pull report naming the record',
  )
  expect((await f.rows('account', 'sfid, name')).find((r) => r.sfid === id)?.name).toBe(
    'from the app', // kept while the push was in flight
  )
  release()
  await waitFor(
    async () =>
      (await f.rows('account', 'sfid, name')).find((r) => r.sfid === id)?.name ===
      'changed in Salesforce',
    5_000,
    'the record read again',
  )
  expect(org.get(id as string)?.Name).toBe('changed in Salesforce')
}, 30_000)
