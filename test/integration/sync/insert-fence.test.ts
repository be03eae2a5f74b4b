import { afterEach, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { isRetryable } from '../../../src/errors/retry-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { InsertFence, passInsertFence } from '../../../src/store/insert-fence.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'
import { watchedConnection } from '../../support/watched-pool.js'

// A row inserted in Postgres is created in Salesforce, then its sfid is committed back. A pull by
// another worker that reads the new record in between must not copy it in as a second row, even
// with no external id to match it on.
const db = useTestDatabase()
const contact = defineMapping({ object: 'Contact', access: 'read_write', fields: ['LastName'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

it('a pull between a create in Salesforce and its sfid commit adds no duplicate row', async () => {
  let answer: () => void = () => {}
  const answered = new Promise<void>((resolve) => {
    answer = resolve
  })
  // Salesforce has created the record; the push has not committed its sfid yet.
  class SlowToCommit extends OrderedWriteStrategy {
    override async write(entries: readonly ChangeEntry[], context: WriteContext) {
      const commit = async (results: readonly EntryResult[]) => {
        await answered
        await context.commit(results)
      }
      return super.write(entries, { ...context, commit })
    }
  }
  fixture = await syncFixture(db(), [contact], { writeStrategy: new SlowToCommit() })
  // The puller's pool tells each time its pull asked whether it may pass the fence and was told no.
  let heldAtFence = 0
  const puller = new SyncEngine({
    connection: watchedConnection(fixture.connection, db().pool, ({ text, rows }) => {
      if (text.includes('_pgforce_insert_fence') && rows[0]?.passed === false) heldAtFence += 1
    }),
    mappings: [contact],
    sources: [],
  })
  await puller.syncOnce() // a first pull, so the next one follows the cursor
  await db().pool.query(
    `INSERT INTO "${fixture.connection.schema}".contact (lastname) VALUES ('Inserted in Postgres')`,
  )
  const pushing = fixture.engine.syncOnce()
  await waitFor(() => fixture?.org.all('Contact').length === 1)

  let pulled = false
  const pulling = puller.syncOnce().then((report) => {
    pulled = true
    return report
  })
  await waitFor(() => heldAtFence >= 3, 10_000, 'the pull to be held at the fence 3 times')
  expect(pulled).toBe(false) // the pull waits for the push to commit
  answer()
  const [, report] = await Promise.all([pushing, pulling])

  const rows = await fixture.rows('contact', 'lastname, sfid, _hc_lastop')
  expect(rows).toEqual([
    {
      lastname: 'Inserted in Postgres',
      sfid: fixture.org.all('Contact')[0]?.Id,
      // The push's: the pull began reading before that push settled, so what it read may predate
      // it; it writes nothing over the row and reads the record again when due.
      _hc_lastop: 'INSERTED',
    },
  ])
  expect(report.pulls[0]?.awaitingPush).toEqual([fixture.org.all('Contact')[0]?.Id])
})

it('a stuck push delays such a pull, with a retryable error, and never blocks it for good', async () => {
  fixture = await syncFixture(db(), [contact])
  const { schema } = fixture.connection
  const pool = db().pool
  const fence = await InsertFence.raise(fixture.connection.pool, schema, 'contact')
  const pass = async (sfids: string[]) => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await passInsertFence(client, schema, 'contact', sfids, 200)
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
  }
  await pass([]) // nothing to place: no wait
  const refused = await pass(['003000000000001AAA']).catch((error: unknown) => error)
  expect(refused).toMatchObject({ sqlState: '55P03' }) // lock_not_available
  expect(isRetryable(refused)).toBe(true)
  await fence.lift()
  await pass(['003000000000001AAA'])
})

it('the fence of a push that died expires: pulls of new records go on', async () => {
  fixture = await syncFixture(db(), [contact])
  const { schema } = fixture.connection
  // What a killed worker leaves: a fence nobody renews any more.
  await db().pool.query(
    `INSERT INTO "${schema}"._pgforce_insert_fence (table_name, expires_at)
     VALUES ('contact', clock_timestamp() + interval '300 milliseconds')`,
  )
  fixture.org.insert('Contact', [{ LastName: 'Created in Salesforce' }])
  const started = Date.now()
  await fixture.engine.syncOnce() // waits for the dead fence to expire, not for the 10 s bound
  expect(Date.now() - started).toBeLessThan(5_000)
  expect(await fixture.rows('contact', 'lastname')).toEqual([{ lastname: 'Created in Salesforce' }])
})
