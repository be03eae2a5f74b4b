import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforcePubSubSource } from '../../../src/sources/salesforce-pubsub-source.js'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name'] })
const TOPIC = '/data/AccountChangeEvent'
let fixture: SyncFixture | undefined
let emulator: SalesforceEmulator | undefined
let engine: SyncEngine | undefined
afterEach(async () => {
  await engine?.stop({ graceful: false })
  await fixture?.close()
  await emulator?.stop()
  fixture = undefined
  emulator = undefined
  engine = undefined
})

/** An engine streaming Account changes over Pub/Sub; a batch waits 200 ms for its pulls. */
function pubSubEngine(f: SyncFixture, emu: SalesforceEmulator): SyncEngine {
  return new SyncEngine({
    connection: f.connection,
    mappings: [account],
    sources: [
      new SalesforcePubSubSource({
        endpoint: emu.pubSubEndpoint,
        ca: emu.pubSubCertificate,
        retryMs: 20,
        commitTimeoutMs: 200,
      }),
    ],
  })
}

describe('Pub/Sub replay id while an event’s pull is pending', () => {
  it('is not moved past the event by keepalives once the batch stopped waiting for the pull', async () => {
    const org = new InMemoryOrg()
    fixture = await syncFixture(db(), [account], { org })
    const f = fixture
    emulator = await SalesforceEmulator.start({ org, pubSubKeepaliveMs: 100 })
    const emu = emulator
    const stored = async () => {
      const { rows } = await db().pool.query<{ hex: string }>(
        `SELECT encode(replay_bytes, 'hex') AS hex FROM "${f.connection.schema}"._pgforce_cursor WHERE name = $1`,
        [`stream:${TOPIC}`],
      )
      return rows[0]?.hex
    }
    const newest = () => {
      const bytes = Buffer.alloc(10)
      bytes.writeBigUInt64BE(BigInt(org.events.replay(TOPIC, -2).at(-1)?.replayId ?? 0))
      return bytes.toString('hex')
    }
    const [id] = org.insert('Account', [{ Name: 'v1' }]) as string[]
    engine = pubSubEngine(f, emu)
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the stream')
    await waitFor(async () => (await f.rows('account')).length === 1, 5_000, 'the first load')
    org.modify('Account', id as string, { Name: 'v1b' })
    await waitFor(async () => (await stored()) === newest(), 5_000, 'a replay id stored')
    // A change only its event reveals, whose pull is slow (every Salesforce call takes 3 s).
    org.faults.setLatency(3_000)
    org.recalculate('Account', id as string, { Name: 'v2' })
    org.publishGap('Account', [id as string])
    const gapEvent = newest()
    // The batch stops waiting after 200 ms; keepalives come every 100 ms meanwhile.
    const keepalives = emu.pubSubStats.keepalives
    await waitFor(() => emu.pubSubStats.keepalives >= keepalives + 6, 5_000, 'keepalives')
    expect((await f.rows('account'))[0]?.name).toBe('v1b') // the pull has not committed
    // The stored position is still before the event (replay ids of equal width compare as
    // text), so a restart replays it.
    expect(((await stored()) ?? '') < gapEvent).toBe(true)
    org.faults.setLatency(0)
  }, 30_000)

  it('a pull that failed for good hands its events to the next pull, which re-reads their records', async () => {
    const org = new InMemoryOrg()
    fixture = await syncFixture(db(), [account], { org })
    const f = fixture
    emulator = await SalesforceEmulator.start({ org })
    const emu = emulator
    const [first, second] = org.insert('Account', [{ Name: 'a1' }, { Name: 'b1' }]) as string[]
    engine = pubSubEngine(f, emu)
    const failures: unknown[] = []
    engine.on('pull:failed', (event) => failures.push(event))
    await engine.start()
    await waitFor(() => emu.pubSubStats.openStreams === 1, 5_000, 'the stream')
    await waitFor(async () => (await f.rows('account')).length === 2, 5_000, 'the first load')
    // A change only its event reveals; the pull it asks for fails for good (not retried).
    org.faults.failRequests({
      method: 'GET',
      path: '/queryAll',
      status: 400,
      body: [{ errorCode: 'INVALID_FIELD', message: 'refused for the test' }],
    })
    org.recalculate('Account', first as string, { Name: 'a2' })
    org.publishGap('Account', [first as string])
    await waitFor(() => failures.length > 0, 5_000, 'the failed pull')
    // The next event's pull reads the first event's record too, before its replay id is stored.
    org.modify('Account', second as string, { Name: 'b2' })
    await waitFor(
      async () => (await f.rows('account')).some((row) => row.name === 'b2'),
      5_000,
      'the next pull',
    )
    const names = (await f.rows('account')).map((row) => row.name).sort()
    expect(names).toEqual(['a2', 'b2'])
  }, 30_000)
})
