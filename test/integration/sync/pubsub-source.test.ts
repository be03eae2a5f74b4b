import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { Mapping } from '../../../src/mappings/mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { SalesforcePubSubSource } from '../../../src/sources/salesforce-pubsub-source.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name', 'Industry', 'BillingCity'] })
const TOPIC = '/data/AccountChangeEvent'
let fixture: SyncFixture | undefined
let emulator: SalesforceEmulator | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()))
  await fixture?.close()
  await emulator?.stop()
  fixture = undefined
  emulator = undefined
})

/** A fixture whose org is served by an emulator (its Pub/Sub endpoint), the engine on `over`. */
async function setUp(
  over: 'http' | 'in-memory' = 'http',
  org = new InMemoryOrg(),
  mapping: Mapping = account,
): Promise<{ f: SyncFixture; emu: SalesforceEmulator }> {
  fixture = await syncFixture(db(), [mapping], { over, org })
  emulator = fixture.emulator ? undefined : await SalesforceEmulator.start({ org })
  const emu = fixture.emulator ?? emulator
  if (!emu) throw new Error('no emulator')
  return { f: fixture, emu }
}

/** An engine whose only source is Pub/Sub: anything it learns, it learns from events. */
function pubSubEngine(
  f: SyncFixture,
  emu: SalesforceEmulator,
  mapping: Mapping = account,
  ignoreUnmappedFieldChanges = false,
) {
  const engine = new SyncEngine({
    connection: f.connection,
    mappings: [mapping],
    sources: [
      new SalesforcePubSubSource({
        endpoint: emu.pubSubEndpoint,
        ca: emu.pubSubCertificate,
        retryMs: 20,
        ignoreUnmappedFieldChanges,
      }),
      ...(mapping.access === 'read_write' ? [new PostgresNotifySource()] : []),
    ],
  })
  const errors: Error[] = []
  const pulls: string[] = []
  engine.on('error', ({ error }) => errors.push(error))
  engine.on('pull:started', ({ reason }) => pulls.push(reason))
  engines.push(engine)
  return { engine, errors, pulls }
}

/**
 * Runs a Pub/Sub engine until the event of one new Account (`name`) is applied and its replay id
 * stored, then stops it and waits until the server has closed its stream (it learns of the cancel
 * a moment later; until then the stream would take events meant for the next engine).
 */
async function storeOneReplayIdThenStop(
  f: SyncFixture,
  emu: SalesforceEmulator,
  name: string,
): Promise<void> {
  const first = pubSubEngine(f, emu)
  await first.engine.start()
  await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
  f.org.insert('Account', [{ Name: name }])
  await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'replay id')
  await first.engine.stop()
  await waitFor(() => emu.pubSubStats.openStreams === 0, 5_000, 'the first stream closed')
}

async function storedReplayId(f: SyncFixture): Promise<string | undefined> {
  const { rows } = await db().pool.query(
    `SELECT encode(replay_bytes, 'hex') AS hex FROM "${f.connection.schema}"._pgforce_cursor WHERE name = $1`,
    [`stream:${TOPIC}`],
  )
  return rows[0]?.hex ?? undefined
}

/** The 10-byte replay id of the newest Account event, as the emulator sends it. */
function newestEventId(f: SyncFixture): string {
  const id = f.org.events.replay(TOPIC, -2).at(-1)?.replayId ?? 0
  const bytes = Buffer.alloc(10)
  bytes.writeBigUInt64BE(BigInt(id))
  return bytes.toString('hex')
}

/** Postgres holds what the org holds, for the mapped fields. */
async function inSync(f: SyncFixture): Promise<boolean> {
  const org = f.org
    .query('SELECT Id, Name, Industry, BillingCity FROM Account ORDER BY Id')
    .records.map((r) => `${r.Id}|${r.Name}|${r.Industry ?? ''}|${r.BillingCity ?? ''}`)
  const rows = (await f.rows('account', 'sfid, name, industry, billingcity'))
    .filter((r) => r.sfid)
    .map((r) => `${r.sfid}|${r.name}|${r.industry ?? ''}|${r.billingcity ?? ''}`)
    .sort()
  return JSON.stringify(org.sort()) === JSON.stringify(rows)
}

describe('SalesforcePubSubSource in a running engine', () => {
  it('brings inserts, updates and deletes, stores the opaque replay id, and resumes from it', async () => {
    const { f, emu } = await setUp()
    const first = pubSubEngine(f, emu)
    await first.engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    const [a, b] = f.org.insert('Account', [{ Name: 'A' }, { Name: 'B', BillingCity: 'Paris' }])
    f.org.modify('Account', a as string, { Industry: 'Energy' })
    f.org.delete('Account', [b as string])
    await waitFor(() => inSync(f), 5_000, 'the events to be applied')
    await waitFor(
      async () => (await storedReplayId(f)) === newestEventId(f),
      5_000,
      'the replay id',
    )
    expect((await storedReplayId(f))?.length).toBe(20)
    expect(first.pulls).toContain('stream')
    await first.engine.stop()
    f.org.modify('Account', a as string, { BillingCity: 'Lyon' })
    const second = pubSubEngine(f, emu)
    await second.engine.start()
    await waitFor(() => inSync(f), 5_000, 'the change made while stopped')
    expect([...first.errors, ...second.errors]).toEqual([])
  })

  it.each([
    ['unavailable', 'unavailable'],
    ['a reset stream', 'stream-reset'],
  ] as const)('resumes from the stored replay id when the service is %s', async (_, fault) => {
    const { f, emu } = await setUp()
    const { engine } = pubSubEngine(f, emu)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    f.org.insert('Account', [{ Name: 'Before' }])
    await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'replay id')
    const subscribes = emu.pubSubStats.subscribes
    emu.failPubSub(fault, 2)
    emu.breakPubSubStreams(fault)
    f.org.insert('Account', [{ Name: 'During' }, { Name: 'During 2' }])
    await waitFor(() => emu.pubSubStats.subscribes >= subscribes + 3, 5_000, 'the resubscribes')
    await waitFor(() => inSync(f), 5_000, 'Postgres equal to the org')
    await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'replay id')
  })

  it('resubscribes from the latest event and catches up by pulling when the replay id is refused', async () => {
    const { f, emu } = await setUp()
    await storeOneReplayIdThenStop(f, emu, 'Before')
    f.org.insert('Account', [{ Name: 'While stopped' }])
    emu.failPubSub('corrupted-replay-id')
    const second = pubSubEngine(f, emu)
    await second.engine.start()
    await waitFor(() => inSync(f), 5_000, 'the catch-up pull')
    expect(second.errors.map((e) => (e as { errorCode?: string }).errorCode)).toContain(
      'INVALID_REPLAY_ID',
    )
    f.org.insert('Account', [{ Name: 'After' }])
    await waitFor(() => inSync(f), 5_000, 'events after the LATEST resubscribe')
  })

  it('a subscribe refused at once (Pub/Sub down) is not announced connected, nor pulled each try', async () => {
    const { f, emu } = await setUp()
    emu.failPubSub('unavailable', 5)
    const { engine, pulls } = pubSubEngine(f, emu)
    const states: string[] = []
    engine.on('source:connected', () => states.push('connected'))
    engine.on('source:reconnecting', () => states.push('reconnecting'))
    await engine.start()
    await waitFor(() => states.includes('connected'), 10_000, 'the subscription once it is back')
    // Five refusals, each one reconnecting; one connected, once the server took the stream.
    expect(states.filter((s) => s === 'connected')).toEqual(['connected'])
    expect(states.filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(5)
    expect(pulls.filter((r) => r === 'reconnect').length).toBeLessThanOrEqual(1)
    f.org.insert('Account', [{ Name: 'After the outage' }])
    await waitFor(() => inSync(f), 5_000, 'the event')
  })

  it('refreshes the session when the Pub/Sub API refuses the token', async () => {
    const { f, emu } = await setUp('in-memory')
    const { engine, errors } = pubSubEngine(f, emu)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    f.org.sessions.expireAll()
    emu.breakPubSubStreams('auth-error')
    f.org.insert('Account', [{ Name: 'After the refresh' }])
    await waitFor(() => inSync(f), 5_000, 'events on the refreshed session')
    expect(errors).toEqual([])
  })

  it('re-reads the records of a gap event and pulls on an overflow event', async () => {
    const { f, emu } = await setUp()
    const { engine, pulls } = pubSubEngine(f, emu)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    const [a] = f.org.insert('Account', [{ Name: 'Gap' }])
    await waitFor(() => inSync(f), 5_000, 'the row')
    // A change that only a gap event tells of (no event of its own reaches the engine).
    f.org.events.setRetention(0)
    f.org.modify('Account', a as string, { Industry: 'Media' })
    f.org.events.setRetention(10_000)
    f.org.publishGap('Account', [a as string])
    f.org.publishOverflow('Account')
    await waitFor(() => pulls.includes('gap') && pulls.includes('overflow'), 5_000, 'gap pulls')
    await waitFor(() => inSync(f), 5_000, 'Postgres equal to the org')
  })

  it('does not pull on the events of its own writes, and still moves the replay id', async () => {
    const readWrite = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
    const { f, emu } = await setUp('http', new InMemoryOrg(), readWrite)
    const { engine, pulls, errors } = pubSubEngine(f, emu, readWrite)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    await db().pool.query(`INSERT INTO "${f.connection.schema}".account (name) VALUES ('Mine')`)
    await waitFor(() => f.org.query('SELECT Id FROM Account').records.length === 1, 5_000, 'push')
    await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'replay id')
    expect(pulls).not.toContain('stream')
    expect(errors).toEqual([])
  })

  it('decodes a backlog written with an older schema and a newer one (schemas by id)', async () => {
    const { f, emu } = await setUp()
    await storeOneReplayIdThenStop(f, emu, 'Before')
    const asked = emu.pubSubStats.schemaRequests
    f.org.insert('Account', [{ Name: 'Old schema' }])
    f.org.addField('Account', { name: 'Tier__c', type: 'string' })
    f.org.insert('Account', [{ Name: 'New schema', Tier__c: 'Gold' }])
    const second = pubSubEngine(f, emu)
    await second.engine.start()
    await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'backlog')
    expect(emu.pubSubStats.schemaRequests - asked).toBe(2) // one per schema id, then cached
    await waitFor(() => inSync(f), 5_000, 'Postgres equal to the org')
    expect(second.errors).toEqual([])
  })

  it('with ignoreUnmappedFieldChanges, reads no record for an update of fields it does not map', async () => {
    const { f, emu } = await setUp()
    const { engine, errors } = pubSubEngine(f, emu, account, true)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    const [a] = f.org.insert('Account', [{ Name: 'A' }])
    await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'replay id')
    const started: string[] = []
    engine.on('pull:started', ({ reason }) => started.push(reason))
    f.org.modify('Account', a as string, { Phone: '555-0100' }) // not mapped
    await waitFor(async () => (await storedReplayId(f)) === newestEventId(f), 5_000, 'replay id')
    expect(started).toEqual([]) // the replay id moved without a pull
    f.org.modify('Account', a as string, { BillingCity: 'Lyon' }) // mapped, in BillingAddress
    await waitFor(() => inSync(f), 5_000, 'the mapped change')
    expect(errors).toEqual([])
  })

  it('keeps the stored replay id fresh from keepalives while the topic is quiet', async () => {
    fixture = await syncFixture(db(), [account], { over: 'in-memory' })
    emulator = await SalesforceEmulator.start({ org: fixture.org, pubSubKeepaliveMs: 100 })
    const f = fixture
    const emu = emulator
    const { engine } = pubSubEngine(f, emu)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    f.org.insert('Account', [{ Name: 'A' }])
    // The event's replay id, or a keepalive's after it: the insert moves the org's latest replay
    // id past the Account event (its copy on /data/ChangeEvents), and a keepalive that follows
    // the committed batch may store that one before this looks.
    const event = BigInt(`0x${newestEventId(f)}`)
    await waitFor(
      async () => BigInt(`0x${(await storedReplayId(f)) ?? '0'}`) >= event,
      15_000,
      'replay id',
    )
    // Events on other topics move the org's latest replay id; the Account topic stays quiet.
    f.org.insert('Contact', [{ LastName: 'Elsewhere' }])
    const latest = Buffer.alloc(10)
    latest.writeBigUInt64BE(BigInt(f.org.events.latestReplayId))
    await waitFor(
      async () => (await storedReplayId(f)) === latest.toString('hex'),
      15_000, // a keepalive is stored only once the batch before it committed: slow on a busy machine
      'the keepalive’s replay id',
    )
    expect(emu.pubSubStats.keepalives).toBeGreaterThan(0)
  })

  it('drains a backlog of 5 000 events with at most 100 outstanding', async () => {
    const { f, emu } = await setUp('http', new InMemoryOrg({ eventRetention: 20_000 }))
    await storeOneReplayIdThenStop(f, emu, 'First')
    const started = emu.pubSubStats.delivered
    f.org.insert(
      'Account',
      Array.from({ length: 5_000 }, (_, i) => ({ Name: `Backlog ${i}` })),
    )
    const second = pubSubEngine(f, emu)
    const t0 = Date.now()
    await second.engine.start()
    // ~10 s alone; a loaded machine (the whole suite in parallel) takes longer.
    await waitFor(
      async () => (await storedReplayId(f)) === newestEventId(f),
      60_000,
      'the backlog to drain',
    )
    const ms = Date.now() - t0
    expect(emu.pubSubStats.delivered - started).toBe(5_000)
    expect(emu.pubSubStats.maxOutstanding).toBeLessThanOrEqual(100)
    expect(await f.count('account')).toBe(5_001)
    console.info(`pubsub backlog: 5000 events drained in ${ms} ms`)
  }, 90_000)
})
