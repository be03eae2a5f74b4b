import { afterEach, describe, expect, it } from 'vitest'
import { SalesforceEmulator } from '../../../src/testing/emulator/index.js'
import { waitFor } from '../../support/wait-for.js'

/**
 * Contract test: the public npm Pub/Sub client (`salesforce-pubsub-api-client`, which the project
 * does not use itself) against the emulator's Pub/Sub endpoint, as the CometD tests run jsforce.
 * Its `avro-js` dependency lost `underscore`; the dev dependency `underscore` puts it back.
 */
type PubSubClient = {
  connect(): Promise<void>
  subscribeFromEarliestEvent(
    topic: string,
    callback: (subscription: unknown, type: string, data: unknown) => void,
    count: number,
  ): Promise<void>
  subscribeFromReplayId(
    topic: string,
    callback: (subscription: unknown, type: string, data: unknown) => void,
    count: number,
    replayId: number,
  ): Promise<void>
  close(): void
}
let loadError: unknown
const PubSubApiClient = await import('salesforce-pubsub-api-client').then(
  (m) =>
    (m as unknown as { default: new (config: object, logger?: object) => PubSubClient }).default ??
    (m as unknown as { PubSubApiClient: new (config: object, logger?: object) => PubSubClient })
      .PubSubApiClient,
  (error: unknown) => {
    loadError = error
    return undefined
  },
)
if (!PubSubApiClient)
  console.warn(
    `skipping the npm Pub/Sub client contract test: it cannot load (${String(loadError)})`,
  )

let emulator: SalesforceEmulator | undefined
let client: PubSubClient | undefined
afterEach(async () => {
  client?.close()
  await emulator?.stop()
  client = undefined
  emulator = undefined
})

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

interface ReceivedEvent {
  replayId: number
  payload: {
    ChangeEventHeader: {
      changeType: string
      changedFields: string[]
      commitNumber: bigint | number
    }
    Name: string | null
    Industry: string | null
  }
}

describe.skipIf(!PubSubApiClient)('salesforce-pubsub-api-client against the emulator', () => {
  it('connects with the org’s session, replays change events and decodes them', async () => {
    emulator = await SalesforceEmulator.start()
    const em = emulator
    const [id] = em.org.insert('Account', [{ Name: 'Acme' }])
    em.org.modify('Account', id as string, { Industry: 'Energy' })
    const Client = PubSubApiClient as new (config: object, logger?: object) => PubSubClient
    client = new Client(
      {
        authType: 'user-supplied',
        accessToken: em.accessToken,
        // The client insists on https; the Pub/Sub endpoint only reads it from the metadata.
        instanceUrl: em.instanceUrl.replace('http://', 'https://'),
        organizationId: em.org.orgId,
        pubSubEndpoint: em.pubSubEndpoint,
        rejectUnauthorizedSsl: false,
      },
      quiet,
    )
    await client.connect()
    const events: ReceivedEvent[] = []
    await client.subscribeFromEarliestEvent(
      '/data/AccountChangeEvent',
      (_subscription, type, data) => {
        if (type === 'event') events.push(data as ReceivedEvent)
      },
      2,
    )
    await waitFor(() => events.length === 2, 5_000, 'two events')
    const [created, updated] = events
    expect(created?.payload.ChangeEventHeader.changeType).toBe('CREATE')
    expect(created?.payload.Name).toBe('Acme')
    expect(updated?.payload.ChangeEventHeader.changeType).toBe('UPDATE')
    expect(updated?.payload.Industry).toBe('Energy')
    expect(updated?.payload.ChangeEventHeader.changedFields).toEqual(
      expect.arrayContaining(['Industry', 'LastModifiedDate']),
    )
    expect(Number(updated?.payload.ChangeEventHeader.commitNumber)).toBeGreaterThan(0)
    // The client reads the first 8 of the 10 replay id bytes as a number.
    const logIds = em.org.events.replay('/data/AccountChangeEvent', -2).map((e) => e.replayId)
    expect(events.map((e) => e.replayId)).toEqual(logIds)
  })
})
