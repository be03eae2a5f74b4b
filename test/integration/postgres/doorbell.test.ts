import pg from 'pg'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { triggerLogChannel } from '../../../src/postgres/install/system-tables-sql.js'
import { Doorbell } from '../../../src/store/doorbell.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture
let doorbell: Doorbell
let listener: pg.Client
let app: pg.Client
let heard: string[] = []

beforeEach(async () => {
  fixture = await syncFixture(db(), [account])
  doorbell = new Doorbell(db().pool, fixture.connection.schema)
  heard = []
  listener = new pg.Client({ connectionString: db().url })
  await listener.connect()
  listener.on('notification', (message) => heard.push(message.payload ?? ''))
  await listener.query(`LISTEN "${triggerLogChannel(fixture.connection.schema)}"`)
  app = new pg.Client({ connectionString: db().url })
  await app.connect()
  // As an engine that LISTENs does once its first push found nothing: opens the door, saying so.
  expect(await doorbell.release()).toBe(true)
})

afterEach(async () => {
  await app.end()
  await listener.end()
  await fixture.close()
})

function insert(client: pg.Client | pg.Pool, name: string) {
  return client.query(`INSERT INTO "${fixture.connection.schema}".account (name) VALUES ($1)`, [
    name,
  ])
}

/**
 * What the listener heard up to now: a sentinel is notified after the writes committed, and
 * Postgres delivers notifications in commit order, so one a write sent arrives before it.
 */
async function heardSoFar(): Promise<string[]> {
  const sentinel = `sentinel-${heard.length}-${Math.random()}`
  await db().pool.query('SELECT pg_notify($1, $2)', [
    triggerLogChannel(fixture.connection.schema),
    sentinel,
  ])
  const deadline = Date.now() + 5_000
  while (!heard.includes(sentinel)) {
    if (Date.now() > deadline) throw new Error('the sentinel notification never came')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return heard.filter((payload) => !payload.startsWith('sentinel-'))
}

it('while an engine holds the door, app writes do not notify; once it is released they do', async () => {
  await doorbell.hold()
  await insert(app, 'quiet')
  expect(await heardSoFar()).toEqual([])

  expect(await doorbell.release()).toBe(true)
  await insert(app, 'rings')
  expect(await heardSoFar()).toEqual(['ping'])
})

/** As if no engine had renewed its word that it LISTENs for 30 s: none runs, or none LISTENs. */
async function wordRunsOut(): Promise<void> {
  await db().pool.query(
    `UPDATE "${fixture.connection.schema}"._pgforce_doorbell SET listening_until = now() - interval '1 s'`,
  )
}

it('with no engine saying it LISTENs, app writes skip the notify; the next renewal says so', async () => {
  await wordRunsOut()
  await insert(app, 'nobody listens')
  expect(await heardSoFar()).toEqual([])
  // The engine that renews learns writers may have skipped (it then pushes): their entries wait.
  expect(await doorbell.renew()).toEqual({ renewed: true, lapsed: true })
  expect((await fixture.log()).map((e) => e.state)).toEqual(['NEW'])
  await insert(app, 'heard again')
  expect(await heardSoFar()).toEqual(['ping'])
  expect(await doorbell.renew()).toEqual({ renewed: true, lapsed: false })
})

it('a renewal waits for writers that skipped the notify while nobody listened to commit', async () => {
  await wordRunsOut()
  await app.query('BEGIN')
  await insert(app, 'in flight')
  // Not renewed, but it says the word ran out: the engine pushes what committed meanwhile.
  expect(await doorbell.renew()).toEqual({ renewed: false, lapsed: true })
  await app.query('COMMIT')
  expect(await doorbell.renew()).toEqual({ renewed: true, lapsed: true })
  expect(await heardSoFar()).toEqual([])
})

it('an engine that stops reopens the door without renewing its word: writes go quiet when it runs out', async () => {
  await doorbell.hold()
  await wordRunsOut()
  expect(await doorbell.release(true, false)).toBe(true)
  expect(await heardSoFar()).toEqual(['ping']) // its ring, for the other engines
  await insert(app, 'after the last engine stopped')
  expect(await heardSoFar()).toEqual(['ping'])
  // Opening the door (an engine starting) says it LISTENs again.
  expect(await doorbell.release()).toBe(true)
  await insert(app, 'an engine runs again')
  expect(await heardSoFar()).toEqual(['ping', 'ping'])
})

it('an engine that stops while writers keep the lock reopens the door without it, and rings', async () => {
  await doorbell.hold()
  await app.query('BEGIN')
  await insert(app, 'in flight')
  expect(await doorbell.release(true, false)).toBe(false)
  expect(await doorbell.release(true, false, true)).toBe(true)
  expect(await doorbell.heldUntil()).toBeUndefined()
  expect(await heardSoFar()).toEqual(['ping']) // the other engines push what has committed
  await app.query('COMMIT')
  await insert(app, 'the next write')
  expect(await heardSoFar()).toEqual(['ping', 'ping']) // and this one brings the writer in flight
})

it('a door whose holder stopped refreshing opens by itself: writes notify again', async () => {
  await doorbell.hold(0)
  await insert(app, 'after the hold ran out')
  expect(await heardSoFar()).toEqual(['ping'])
})

it('the door cannot be reopened while a write that skipped the notify is uncommitted', async () => {
  await doorbell.hold()
  await app.query('BEGIN')
  await insert(app, 'in flight')
  // Other writers are not held up by the open transaction (both hold the lock shared).
  await insert(db().pool, 'alongside')
  expect(await doorbell.release()).toBe(false)
  expect(await doorbell.release()).toBe(false)
  expect(await doorbell.heldUntil()).toBeInstanceOf(Date)

  await app.query('COMMIT')
  expect(await doorbell.release()).toBe(true)
  expect(await doorbell.heldUntil()).toBeUndefined()
  // Its change is in the log for the engine's next claim, and it never rang.
  expect((await fixture.log()).map((e) => e.state)).toEqual(['NEW', 'NEW'])
  expect(await heardSoFar()).toEqual([])
})

it('a REPEATABLE READ transaction notifies even while the door is held', async () => {
  await doorbell.hold()
  await app.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
  await insert(app, 'snapshot may predate a release')
  await app.query('COMMIT')
  expect(await heardSoFar()).toEqual(['ping'])
  // And it did not take the lock: the door reopens at once.
  expect(await doorbell.release()).toBe(true)
})

it("one schema's writers in flight do not keep another schema's door shut", async () => {
  const other = await syncFixture(db(), [account])
  try {
    const otherDoor = new Doorbell(db().pool, other.connection.schema)
    await otherDoor.hold()
    await doorbell.hold()
    await app.query('BEGIN')
    await app.query(`INSERT INTO "${other.connection.schema}".account (name) VALUES ('x')`)
    expect(await otherDoor.release()).toBe(false)
    expect(await doorbell.release()).toBe(true)
    await app.query('COMMIT')
  } finally {
    await app.query('ROLLBACK') // a no-op after COMMIT; frees the other schema if it failed
    await other.close()
  }
})

it('a write that skipped the notify in a subtransaction keeps the door shut until its commit', async () => {
  await doorbell.hold()
  // The lock taken in a subtransaction passes to the transaction when the savepoint is released,
  // and when a PL/pgSQL block with an exception clause (a subtransaction too) ends normally.
  await app.query('BEGIN')
  await app.query('SAVEPOINT a')
  await insert(app, 'under a savepoint')
  await app.query('RELEASE SAVEPOINT a')
  expect(await doorbell.release()).toBe(false)
  await app.query('COMMIT')
  expect(await doorbell.release()).toBe(true)

  await doorbell.hold()
  await app.query('BEGIN')
  await app.query(`DO $$ BEGIN
                     INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('in a block');
                   EXCEPTION WHEN OTHERS THEN NULL; END $$`)
  expect(await doorbell.release()).toBe(false)
  await app.query('COMMIT')
  expect(await doorbell.release()).toBe(true)
  expect((await fixture.log()).map((e) => e.state)).toEqual(['NEW', 'NEW'])
  expect(await heardSoFar()).toEqual([])
})

it('a transaction that rang before the door was held and writes again keeps it shut', async () => {
  await app.query('BEGIN')
  await insert(app, 'before the hold')
  await doorbell.hold()
  await insert(app, 'after the hold')
  expect(await doorbell.release()).toBe(false)
  await app.query('COMMIT')
  expect(await heardSoFar()).toEqual(['ping'])
  expect(await doorbell.release()).toBe(true)
})

it('a write rolled back to a savepoint gives the lock back: the door reopens', async () => {
  await doorbell.hold()
  await app.query('BEGIN')
  await app.query('SAVEPOINT a')
  await insert(app, 'undone')
  await app.query('ROLLBACK TO SAVEPOINT a')
  expect(await doorbell.release()).toBe(true)
  await app.query('COMMIT')
  expect(await fixture.log()).toEqual([])
})

it('a door reopened with a ring notifies once, on the commit that reopens it', async () => {
  await doorbell.hold()
  await app.query('BEGIN')
  await insert(app, 'skipped the notify')
  expect(await doorbell.release(true)).toBe(false)
  await app.query('COMMIT')
  expect(await heardSoFar()).toEqual([])
  expect(await doorbell.release(true)).toBe(true)
  expect(await heardSoFar()).toEqual(['ping'])
  expect(await doorbell.heldUntil()).toBeUndefined()
})
