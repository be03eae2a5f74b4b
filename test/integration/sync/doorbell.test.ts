import pg from 'pg'
import { afterEach, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { triggerLogChannel } from '../../../src/postgres/install/system-tables-sql.js'
import type { ChangeSource } from '../../../src/sources/change-source.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { Doorbell } from '../../../src/store/doorbell.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type { EntryResult } from '../../../src/strategies/write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
const clients: pg.Client[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end()
  await fixture?.engine.stop()
  await fixture?.close()
  fixture = undefined
})

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db().url })
  await c.connect()
  clients.push(c)
  return c
}

/** Account names in the org. */
function inSalesforce(names: readonly string[]): boolean {
  const records = fixture?.org.query('SELECT Name FROM Account').records ?? []
  const there = new Set(records.map((r) => r.Name))
  return names.every((name) => there.has(name))
}

it('a change captured without a notify while the door was held reaches Salesforce once its transaction commits', async () => {
  fixture = await syncFixture(db(), [account], {
    sources: [new PostgresNotifySource()],
    over: 'http',
  })
  const { schema } = fixture.connection
  const doorbell = new Doorbell(db().pool, schema)
  // A worker that was draining left the door held; an app transaction captures a row meanwhile:
  // it does not ring, and nothing polls the trigger log here.
  await doorbell.hold()
  const app = await client()
  await app.query('BEGIN')
  await app.query(`INSERT INTO "${schema}".account (name) VALUES ('Late')`)
  let pushes = 0
  fixture.engine.on('push:completed', () => {
    pushes += 1
  })
  await fixture.engine.start()
  // The engine finds the queue empty and tries to reopen the door: refused while the writer is
  // in flight, it pushes and tries again.
  await waitFor(() => pushes >= 4, 10_000, 'pushes while the door cannot be reopened')
  expect(await doorbell.heldUntil()).toBeInstanceOf(Date)
  expect(inSalesforce(['Late'])).toBe(false)

  await app.query('COMMIT')
  await waitFor(() => inSalesforce(['Late']), 10_000, "'Late' in Salesforce")
  await waitFor(async () => (await doorbell.heldUntil()) === undefined, 10_000, 'the door open')
  await waitFor(async () => Boolean((await fixture?.rows('account'))?.[0]?.sfid), 10_000, 'sfid')
})

it('while the engine drains the trigger log, app writes do not notify, and still reach Salesforce', async () => {
  fixture = await syncFixture(db(), [account], {
    sources: [new PostgresNotifySource()],
    over: 'http',
  })
  const { schema } = fixture.connection
  const channel = triggerLogChannel(schema)
  const doorbell = new Doorbell(db().pool, schema)
  const listener = await client()
  const pings: string[] = []
  listener.on('notification', (message) => {
    if (message.payload === 'ping' || message.payload?.startsWith('sentinel')) {
      pings.push(message.payload)
    }
  })
  await listener.query(`LISTEN "${channel}"`)
  const sent: number[] = []
  fixture.engine.on('push:completed', (report) => sent.push(report.sent))
  const connected = new Promise((resolve) => fixture?.engine.once('source:connected', resolve))
  await fixture.engine.start()
  await connected
  // Settle: a first change is pushed, the next push finds nothing and reopens the door, and the
  // push after that (the final drain) finds nothing either; then the engine waits for a ring.
  await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('Warm-up')`)
  await waitFor(() => sent.indexOf(1) >= 0 && sent.length - sent.indexOf(1) >= 3, 10_000, 'idle')
  expect(sent.slice(sent.indexOf(1) + 1)).toEqual([0, 0])
  expect(await doorbell.heldUntil()).toBeUndefined()
  // The warm-up rang only if the engine had said it LISTENs by then (its first empty push does).
  pings.length = 0
  // Slow Salesforce calls: the drain lasts.
  fixture.org.faults.setLatency(500)

  await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('First')`)
  await waitFor(async () => (await doorbell.heldUntil()) !== undefined, 5_000, 'the door held')
  for (const name of ['Second', 'Third'])
    await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ($1)`, [name])
  // Notifications arrive in commit order: once this sentinel is heard, theirs would have been.
  await db().pool.query('SELECT pg_notify($1, $2)', [channel, 'sentinel'])
  await waitFor(() => pings.includes('sentinel'), 5_000, 'the sentinel')
  expect(pings).toEqual(['ping', 'sentinel'])

  await waitFor(() => inSalesforce(['First', 'Second', 'Third']), 15_000, 'all three in Salesforce')
  fixture.org.faults.setLatency(0)
  await waitFor(async () => (await doorbell.heldUntil()) === undefined, 10_000, 'the door open')
  // Open again: the next write rings.
  await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('Fourth')`)
  await waitFor(() => pings.length === 3, 5_000, 'a ping for the write after the drain')
  expect(pings).toEqual(['ping', 'sentinel', 'ping'])
  await waitFor(() => inSalesforce(['Fourth']), 10_000, "'Fourth' in Salesforce")
})

it('a push woken by anything but a notification holds the door from its first round', async () => {
  fixture = await syncFixture(db(), [account], {
    sources: [new PostgresNotifySource()],
    over: 'http',
  })
  const { schema } = fixture.connection
  const doorbell = new Doorbell(db().pool, schema)
  // Queued before the engine listens: its first push is woken at start-up, not by a notification.
  await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('Queued 1'), ('Queued 2')`)
  fixture.org.faults.setLatency(1_000)
  const sent: number[] = []
  fixture.engine.on('push:completed', (report) => sent.push(report.sent))
  await fixture.engine.start()
  await waitFor(async () => (await doorbell.heldUntil()) !== undefined, 5_000, 'the door held')
  // Held while that push is still sending, not only once it ends (a push that keeps finding the
  // app's changes may not end for as long as the app writes).
  expect(sent.filter((n) => n > 0)).toEqual([])
  fixture.org.faults.setLatency(0)
  await waitFor(() => inSalesforce(['Queued 1', 'Queued 2']), 10_000, 'both in Salesforce')
  await waitFor(async () => (await doorbell.heldUntil()) === undefined, 10_000, 'the door open')
})

it("a mapping whose push fails does not keep the door held: another mapping's writes still ring", async () => {
  class Broken extends OrderedWriteStrategy {
    override async write(): Promise<EntryResult[]> {
      throw new Error('Contact writes are broken')
    }
  }
  const contact = defineMapping({
    object: 'Contact',
    access: 'read_write',
    fields: ['LastName'],
    writeStrategy: new Broken(),
  })
  fixture = await syncFixture(db(), [account, contact], {
    sources: [new PostgresNotifySource()],
    over: 'http',
  })
  const { schema } = fixture.connection
  const doorbell = new Doorbell(db().pool, schema)
  fixture.engine.on('error', () => {}) // the broken pushes
  const failed: string[] = []
  fixture.engine.on('push:failed', (event) => failed.push(event.mapping))
  await fixture.engine.start()
  await waitFor(async () => (await doorbell.heldUntil()) === undefined, 10_000, 'the door open')
  // Its notification holds the door; the push it wakes throws.
  await db().pool.query(`INSERT INTO "${schema}".contact (lastname) VALUES ('Broken')`)
  await waitFor(() => failed.includes('Contact'), 10_000, "Contact's push failing")
  // Nothing polls here: only a notification brings this one to the engine, well before the
  // 30 s a held door lasts.
  await db().pool.query(`INSERT INTO "${schema}".account (name) VALUES ('Still rings')`)
  await waitFor(() => inSalesforce(['Still rings']), 5_000, "'Still rings' in Salesforce")
})

it('an engine whose LISTEN is deaf does not say it LISTENs: app writes skip notifications nobody hears', async () => {
  const deafListener: ChangeSource = {
    name: 'deaf-listener',
    direction: 'push',
    listensToTriggerLog: true,
    deaf: true, // as PostgresNotifySource is behind a transaction pooler
    start: async () => {},
    stop: async () => {},
  }
  fixture = await syncFixture(db(), [account], { sources: [deafListener], over: 'http' })
  const { schema } = fixture.connection
  await db().pool.query(`UPDATE "${schema}"._pgforce_doorbell SET listening_until = NULL`)
  const pushed = new Promise((resolve) => fixture?.engine.once('push:completed', resolve))
  await fixture.engine.start()
  await pushed // its start-up push found nothing and reopened the door, without saying it LISTENs
  await waitFor(async () => (await new Doorbell(db().pool, schema).heldUntil()) === undefined)
  const { rows } = await db().pool.query(
    `SELECT listening_until FROM "${schema}"._pgforce_doorbell`,
  )
  expect(rows).toEqual([{ listening_until: null }])
})
