import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { SalesforceStreamingSource } from '../../../src/sources/salesforce-streaming-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name', 'Industry'] })
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()))
  await fixture?.close()
  fixture = undefined
})

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('timed out')
}

/**
 * The stored replay id of the mapping's channel. A record can arrive through the catch-up pull
 * that follows connecting, before its own event's pull: wait for this, not for the row, when the
 * event must have been taken in.
 */
async function storedReplayId(f: SyncFixture): Promise<unknown> {
  const { rows } = await db().pool.query(
    `SELECT replay_id FROM "${f.connection.schema}"._pgforce_cursor WHERE name LIKE 'stream:%'`,
  )
  return rows[0]?.replay_id
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
    await eventually(async () => (await fixture?.count('account')) === 1)
    await eventually(async () => (await storedReplayId(fixture as SyncFixture)) !== undefined)
    await first.engine.stop()
    org.modify('Account', a as string, { Industry: 'Energy' })
    const second = streamingEngine(fixture)
    await second.engine.start()
    await eventually(
      async () => (await fixture?.rows('account', 'industry'))?.[0]?.industry === 'Energy',
    )
    expect(second.errors).toEqual([])
  })

  it('falls back to a catch-up pull when the stored replay id has expired', async () => {
    fixture = await syncFixture(db(), [account])
    const { org } = fixture
    const first = streamingEngine(fixture)
    await first.engine.start()
    org.insert('Account', [{ Name: 'Before' }])
    await eventually(async () => (await storedReplayId(fixture as SyncFixture)) !== undefined)
    await first.engine.stop()
    org.insert(
      'Account',
      Array.from({ length: 30 }, (_, i) => ({ Name: `While stopped ${i}` })),
    )
    org.events.setRetention(5) // the events after the stored replay id are gone
    const second = streamingEngine(fixture)
    await second.engine.start()
    await eventually(async () => (await fixture?.count('account')) === 31)
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
    await eventually(async () => (await storedReplayId(fixture as SyncFixture)) !== undefined)
    const pulls: string[] = []
    engine.on('pull:started', ({ reason }) => pulls.push(reason))
    org.publishGap('Account', [a as string])
    org.publishOverflow('Account')
    await eventually(async () => pulls.includes('gap') || pulls.includes('overflow'))
    expect(pulls.some((r) => r === 'gap' || r === 'overflow')).toBe(true)
  })
})
