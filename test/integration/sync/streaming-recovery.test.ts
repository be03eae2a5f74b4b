import { afterEach, describe, expect, it } from 'vitest'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name', 'Industry'] })
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()))
  await fixture?.close()
  fixture = undefined
})

const ACCOUNT_CHANNEL = '/data/AccountChangeEvent'

/** The replay id the engine stored for the Account channel, once a pull covering an event committed. */
async function storedReplayId(f: SyncFixture): Promise<number | undefined> {
  const { rows } = await db().pool.query(
    `SELECT replay_id FROM "${f.connection.schema}"._pgforce_cursor WHERE name = $1`,
    [`stream:${ACCOUNT_CHANNEL}`],
  )
  const value = rows[0]?.replay_id
  return value === undefined || value === null ? undefined : Number(value)
}

/** Replay id of the newest event the org published on the Account channel. */
function newestAccountEvent(f: SyncFixture): number | undefined {
  return f.org.events.replay(ACCOUNT_CHANNEL, -2).at(-1)?.replayId
}

/** An engine whose only source is streaming: anything it learns, it learns from events. */
function streamingEngine(f: SyncFixture): { engine: SyncEngine; errors: Error[] } {
  const engine = new SyncEngine({
    connection: f.connection,
    mappings: [account],
    sources: [new SalesforceStreamingSource()],
  })
  const errors: Error[] = []
  engine.on('error', ({ error }) => errors.push(error))
  engines.push(engine)
  return { engine, errors }
}

describe('streaming into a running engine', () => {
  it('stores the replay id after the data and resumes from it on restart', async () => {
    fixture = await syncFixture(db(), [account])
    const { org } = fixture
    const first = streamingEngine(fixture)
    await first.engine.start()
    const [a] = org.insert('Account', [{ Name: 'A' }])
    await waitFor(async () => (await fixture?.count('account')) === 1, 10_000, 'the row')
    const event = newestAccountEvent(fixture)
    await waitFor(
      async () => fixture !== undefined && (await storedReplayId(fixture)) === event,
      10_000,
      `replay id ${event} to be stored`,
    )
    await first.engine.stop()
    org.modify('Account', a as string, { Industry: 'Energy' })
    const second = streamingEngine(fixture)
    await second.engine.start()
    await waitFor(
      async () => (await fixture?.rows('account', 'industry'))?.[0]?.industry === 'Energy',
      10_000,
      'the change made while stopped',
    )
    expect(second.errors).toEqual([])
  })

  it('falls back to a catch-up pull when the stored replay id has expired', async () => {
    fixture = await syncFixture(db(), [account])
    const { org } = fixture
    const first = streamingEngine(fixture)
    await first.engine.start()
    org.insert('Account', [{ Name: 'Before' }])
    // The row can arrive through the startup pull before the event's pull commits its replay id;
    // stopping then would leave no replay id to expire. Wait for the id itself.
    const event = newestAccountEvent(fixture)
    await waitFor(
      async () => fixture !== undefined && (await storedReplayId(fixture)) === event,
      10_000,
      `replay id ${event} to be stored`,
    )
    expect(await fixture.count('account')).toBe(1)
    await first.engine.stop()
    org.insert(
      'Account',
      Array.from({ length: 30 }, (_, i) => ({ Name: `While stopped ${i}` })),
    )
    org.events.setRetention(5) // the events after the stored replay id are gone
    expect(() => org.events.replay(ACCOUNT_CHANNEL, event as number)).toThrow(/replayId/)
    const second = streamingEngine(fixture)
    await second.engine.start()
    await waitFor(async () => (await fixture?.count('account')) === 31, 10_000, 'the catch-up pull')
    expect(second.errors.map((e) => (e as { errorCode?: string }).errorCode)).toContain(
      'INVALID_REPLAY_ID',
    )
  })

  it('re-reads the records of a gap event and pulls on an overflow event', async () => {
    fixture = await syncFixture(db(), [account])
    const { org } = fixture
    const { engine } = streamingEngine(fixture)
    await engine.start()
    const [a] = org.insert('Account', [{ Name: 'Gap' }])
    await waitFor(async () => (await fixture?.count('account')) === 1, 10_000, 'the row')
    const event = newestAccountEvent(fixture)
    await waitFor(
      async () => fixture !== undefined && (await storedReplayId(fixture)) === event,
      10_000,
      `replay id ${event} to be stored`,
    )
    const pulls: string[] = []
    engine.on('pull:started', ({ reason }) => pulls.push(reason))
    org.publishGap('Account', [a as string])
    org.publishOverflow('Account')
    await waitFor(
      () => pulls.includes('gap') || pulls.includes('overflow'),
      10_000,
      'a gap or overflow pull',
    )
    expect(pulls.some((r) => r === 'gap' || r === 'overflow')).toBe(true)
  })
})

describe('a stream that cannot open', () => {
  /** The fixture's Salesforce, whose subscribes to `object`'s channel fail as `fail` says. */
  async function engineWith(f: SyncFixture, fail: (channel: string) => Error | undefined) {
    const salesforce = new Proxy(f.adapter, {
      get(target, name, receiver) {
        if (name === 'subscribe')
          return async (request: { channel: string }) => {
            const error = fail(request.channel)
            if (error) throw error
            return target.subscribe(request as Parameters<typeof target.subscribe>[0])
          }
        const value = Reflect.get(target, name, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const connection = await createConnection({
      salesforce,
      postgres: db().pool,
      schema: f.connection.schema,
    })
    const engine = new SyncEngine({
      connection,
      mappings: [account, contact],
      sources: [new SalesforceStreamingSource()],
    })
    const errors: string[] = []
    engine.on('error', ({ error }) =>
      errors.push((error as { errorCode?: string }).errorCode ?? ''),
    )
    engines.push(engine)
    return { engine, errors }
  }
  const contact = defineMapping({ object: 'Contact', fields: ['LastName'] })

  it("one object without a channel does not keep the engine from starting, nor the others' streams", async () => {
    fixture = await syncFixture(db(), [account, contact])
    const { engine, errors } = await engineWith(fixture, (channel) =>
      channel === '/data/ContactChangeEvent'
        ? new SalesforceApiError('The channel you requested to subscribe to does not exist', {
            errorCode: 'NOT_FOUND',
          })
        : undefined,
    )
    await engine.start()
    expect(errors).toEqual(['NOT_FOUND'])
    fixture.org.insert('Account', [{ Name: 'Streamed' }])
    await waitFor(async () => (await fixture?.count('account')) === 1, 10_000, 'the streamed row')
  })

  it('a stream whose first subscribe fails is tried again, and then streams', async () => {
    fixture = await syncFixture(db(), [account, contact])
    let failures = 1
    const { engine, errors } = await engineWith(fixture, (channel) =>
      channel === ACCOUNT_CHANNEL && failures-- > 0
        ? new SalesforceApiError('socket hang up', { errorCode: 'ECONNRESET', retryable: true })
        : undefined,
    )
    const states: string[] = []
    engine.on('source:reconnecting', ({ target }) => states.push(`reconnecting ${target}`))
    engine.on('source:connected', ({ target }) => states.push(`connected ${target}`))
    await engine.start()
    await waitFor(() => states.includes(`connected ${ACCOUNT_CHANNEL}`), 10_000, 'the retry')
    expect(states.indexOf(`reconnecting ${ACCOUNT_CHANNEL}`)).toBeLessThan(
      states.indexOf(`connected ${ACCOUNT_CHANNEL}`),
    )
    expect(errors).toEqual(['ECONNRESET'])
    const before = await fixture.count('account')
    fixture.org.insert('Account', [{ Name: 'Streamed after the retry' }])
    await waitFor(
      async () => (await fixture?.count('account')) === before + 1,
      10_000,
      'the streamed row',
    )
  })
})
