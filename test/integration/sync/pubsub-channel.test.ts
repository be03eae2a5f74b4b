import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforcePubSubSource } from '../../../src/sources/salesforce-pubsub-source.js'
import { CursorStore } from '../../../src/store/cursors.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name', 'Industry'] })
const contact = defineMapping({ object: 'Contact', fields: ['LastName', 'Email'] })
const ALL = '/data/ChangeEvents'
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

async function setUp(
  org = new InMemoryOrg(),
): Promise<{ f: SyncFixture; emu: SalesforceEmulator }> {
  fixture = await syncFixture(db(), [account, contact], { over: 'in-memory', org })
  emulator = await SalesforceEmulator.start({ org })
  return { f: fixture, emu: emulator }
}

/** An engine whose only source is one Pub/Sub subscription to `channel` for both mappings. */
function channelEngine(f: SyncFixture, emu: SalesforceEmulator, channel = ALL) {
  const engine = new SyncEngine({
    connection: f.connection,
    mappings: [account, contact],
    sources: [
      new SalesforcePubSubSource({
        channel,
        endpoint: emu.pubSubEndpoint,
        ca: emu.pubSubCertificate,
        retryMs: 20,
      }),
    ],
  })
  const errors: Error[] = []
  const pulls: string[] = []
  engine.on('error', ({ error }) => errors.push(error))
  let running = 0
  engine.on('pull:started', ({ mapping, reason }) => {
    running += 1
    pulls.push(`${mapping}:${reason}`)
  })
  engine.on('pull:completed', () => {
    running -= 1
  })
  engine.on('pull:failed', () => {
    running -= 1
  })
  /** Subscribed, and the pulls of the subscribe (startup, reconnect) are done. */
  const settled = () =>
    waitFor(
      () =>
        emu.pubSubStats.openStreams === 1 &&
        pulls.includes('Account:reconnect') &&
        pulls.includes('Contact:reconnect') &&
        running === 0,
      5_000,
      'the subscription and its first pulls',
    )
  engines.push(engine)
  return { engine, errors, pulls, settled }
}

/** The channel's replay id stored per table, as hex. */
async function storedReplayIds(f: SyncFixture, channel = ALL): Promise<Record<string, string>> {
  const { rows } = await db().pool.query<{ table_name: string; hex: string }>(
    `SELECT table_name, encode(replay_bytes, 'hex') AS hex FROM "${f.connection.schema}"._pgforce_cursor WHERE name = $1`,
    [`stream:${channel}`],
  )
  return Object.fromEntries(rows.map((r) => [r.table_name, r.hex]))
}

/** The 10-byte replay id of the channel's newest event, as the emulator sends it. */
function newestEventId(f: SyncFixture, channel = ALL): string {
  const id = f.org.events.replay(channel, -2).at(-1)?.replayId ?? 0
  const bytes = Buffer.alloc(10)
  bytes.writeBigUInt64BE(BigInt(id))
  return bytes.toString('hex')
}

/** Both tables store the channel's newest replay id. */
async function caughtUp(f: SyncFixture, channel = ALL): Promise<boolean> {
  const stored = await storedReplayIds(f, channel)
  const newest = newestEventId(f, channel)
  return stored.account === newest && stored.contact === newest
}

/** Postgres holds what the org holds, for both mappings' fields. */
async function inSync(f: SyncFixture): Promise<boolean> {
  const same = async (soql: string, table: string, columns: string, fields: string[]) => {
    const org = f.org
      .query(soql)
      .records.map((r) => fields.map((k) => r[k] ?? '').join('|'))
      .sort()
    const rows = (await f.rows(table, columns))
      .filter((r) => r.sfid)
      .map((r) => columns.split(', ').map((k) => r[k] ?? ''))
      .map((values) => values.join('|'))
      .sort()
    return JSON.stringify(org) === JSON.stringify(rows)
  }
  return (
    (await same('SELECT Id, Name, Industry FROM Account', 'account', 'sfid, name, industry', [
      'Id',
      'Name',
      'Industry',
    ])) &&
    (await same('SELECT Id, LastName, Email FROM Contact', 'contact', 'sfid, lastname, email', [
      'Id',
      'LastName',
      'Email',
    ]))
  )
}

describe('SalesforcePubSubSource on one channel for several mappings', () => {
  it('brings the changes of both objects over one subscription and resumes from the replay id', async () => {
    const { f, emu } = await setUp()
    const first = channelEngine(f, emu)
    await first.engine.start()
    await first.settled()
    const [a] = f.org.insert('Account', [{ Name: 'A' }])
    const [c] = f.org.insert('Contact', [{ LastName: 'C' }])
    f.org.modify('Contact', c as string, { Email: 'c@example.com' })
    await waitFor(() => inSync(f), 5_000, 'both objects’ events applied')
    await waitFor(() => caughtUp(f), 5_000, 'the channel’s replay id stored for both tables')
    expect(emu.pubSubStats.subscribes).toBe(1)
    expect(first.pulls).toEqual(expect.arrayContaining(['Account:stream', 'Contact:stream']))
    await first.engine.stop()
    await waitFor(() => emu.pubSubStats.openStreams === 0, 5_000, 'the first stream closed')
    // Made while stopped: the restarted subscription replays them from the stored id.
    f.org.modify('Account', a as string, { Industry: 'Energy' })
    f.org.insert('Contact', [{ LastName: 'While stopped' }])
    const delivered = emu.pubSubStats.delivered
    const second = channelEngine(f, emu)
    await second.engine.start()
    await waitFor(() => inSync(f), 5_000, 'the changes made while stopped')
    await waitFor(() => emu.pubSubStats.delivered - delivered === 2, 5_000, 'the replayed backlog')
    await waitFor(() => caughtUp(f), 5_000, 'the replay id after the backlog')
    expect([...first.errors, ...second.errors]).toEqual([])
  })

  it('only moves the replay id for the events of an object no mapping covers', async () => {
    const { f, emu } = await setUp()
    const { engine, pulls, errors, settled } = channelEngine(f, emu)
    await engine.start()
    await settled()
    f.org.insert('Account', [{ Name: 'A' }])
    await waitFor(() => caughtUp(f), 5_000, 'the replay id')
    await waitFor(() => inSync(f), 5_000, 'the account')
    pulls.length = 0
    f.org.insert('Lead', [{ LastName: 'Not mapped', Company: 'Elsewhere', Status: 'Open' }])
    await waitFor(() => caughtUp(f), 5_000, 'the replay id of the unmapped event')
    expect(pulls).toEqual([])
    expect(errors).toEqual([])
  })

  it('subscribes to a custom channel and catches every mapping up when its replay id is refused', async () => {
    const org = new InMemoryOrg()
    org.defineChangeChannel('/data/Sales__chn', ['Account', 'Contact'])
    const { f, emu } = await setUp(org)
    const first = channelEngine(f, emu, '/data/Sales__chn')
    await first.engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    f.org.insert('Account', [{ Name: 'A' }])
    f.org.insert('Contact', [{ LastName: 'C' }])
    await waitFor(() => inSync(f), 5_000, 'both objects over the custom channel')
    await waitFor(() => caughtUp(f, '/data/Sales__chn'), 5_000, 'the replay id')
    await first.engine.stop()
    f.org.insert('Account', [{ Name: 'While stopped' }])
    f.org.insert('Contact', [{ LastName: 'While stopped' }])
    emu.failPubSub('corrupted-replay-id')
    const second = channelEngine(f, emu, '/data/Sales__chn')
    await second.engine.start()
    await waitFor(() => inSync(f), 5_000, 'the catch-up pulls of both mappings')
    expect(second.errors.map((e) => (e as { errorCode?: string }).errorCode)).toContain(
      'INVALID_REPLAY_ID',
    )
    f.org.insert('Contact', [{ LastName: 'After' }])
    await waitFor(() => inSync(f), 5_000, 'events after the LATEST resubscribe')
  })

  it('a channel Salesforce refuses is reported, shown reconnecting, and tried again', async () => {
    const { f, emu } = await setUp()
    const later = channelEngine(f, emu, '/data/Later__chn')
    const states: string[] = []
    later.engine.on('source:reconnecting', () => states.push('reconnecting'))
    await later.engine.start()
    await waitFor(() => later.errors.length > 0, 5_000, 'the refusal')
    await waitFor(() => states.includes('reconnecting'), 5_000, 'health to show it')
    // An admin creates the channel: the next try (300 × retryMs later) subscribes.
    f.org.defineChangeChannel('/data/Later__chn', ['Account', 'Contact'])
    await waitFor(() => emu.pubSubStats.openStreams === 1, 15_000, 'the subscription')
    f.org.insert('Account', [{ Name: 'Through the new channel' }])
    await waitFor(() => inSync(f), 5_000, 'the event')
  }, 30_000)

  it('refuses a channel that is neither /data/ChangeEvents nor a custom channel', () => {
    expect(() => new SalesforcePubSubSource({ channel: '/data/AccountChangeEvent' })).toThrow(
      /channel/,
    )
  })

  it('resumes from the replay id received earliest: a slow pull committing an older position last does not hide it', async () => {
    const { f, emu } = await setUp()
    // Account's reads by id wait for the gate: its pull of an event commits after Contact's.
    let gate: Promise<void> | undefined
    let open: () => void = () => {}
    const queryAll = f.adapter.queryAll.bind(f.adapter)
    Object.assign(f.adapter, {
      queryAll: (soql: string, options?: Parameters<typeof queryAll>[1]) => {
        const waiting = gate
        if (!waiting || !/ FROM Account /.test(soql)) return queryAll(soql, options)
        return (async function* () {
          await waiting
          yield* queryAll(soql, options)
        })()
      },
    })
    const engine = new SyncEngine({
      connection: f.connection,
      mappings: [account, contact],
      sources: [
        new SalesforcePubSubSource({
          channel: ALL,
          endpoint: emu.pubSubEndpoint,
          ca: emu.pubSubCertificate,
          retryMs: 20,
          commitTimeoutMs: 200,
        }),
      ],
    })
    engines.push(engine)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the subscription')
    const [a] = f.org.insert('Account', [{ Name: 'A' }])
    const [c] = f.org.insert('Contact', [{ LastName: 'C' }])
    await waitFor(() => caughtUp(f), 5_000, 'both tables at the newest event')
    gate = new Promise((resolve) => {
      open = resolve
    })
    f.org.modify('Account', a as string, { Industry: 'Energy' })
    const accountEvent = newestEventId(f)
    // The batch stops waiting after 200 ms; Contact's event then commits first.
    f.org.modify('Contact', c as string, { Email: 'c@example.com' })
    const contactEvent = newestEventId(f)
    await waitFor(
      async () => (await storedReplayIds(f)).contact === contactEvent,
      5_000,
      'Contact’s position',
    )
    gate = undefined
    open()
    await waitFor(
      async () => (await storedReplayIds(f)).account === accountEvent,
      5_000,
      'Account’s position, written last',
    )
    // A restart resumes after Account's event, the one received earliest, not after Contact's.
    const cursors = new CursorStore(db().pool, f.connection.schema)
    const resume = await cursors.earliestReplayBytes(['account', 'contact'], ALL)
    expect(Buffer.from(resume ?? []).toString('hex')).toBe(accountEvent)
  }, 30_000)
})
