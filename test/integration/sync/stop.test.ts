import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// stop() is bounded: a push working through a large backlog against a slow Salesforce stops after
// the call in flight, gives back what it had not sent, and leaves nothing claimed.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'External_Id__c'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

async function backlogOf(count: number) {
  fixture = await syncFixture(db(), [account], { over: 'http' })
  const { schema } = fixture.connection
  await db().pool.query(
    `INSERT INTO "${schema}".account (name, external_id__c)
     SELECT 'Row ' || g, 'S-' || g FROM generate_series(1, $1::int) g`,
    [count],
  )
  return fixture
}

async function states(f: SyncFixture): Promise<Record<string, number>> {
  const { rows } = await db().pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "${f.connection.schema}"._trigger_log GROUP BY state`,
  )
  return Object.fromEntries(rows.map((r) => [r.state, r.n]))
}

/** Starts the engine; resolves once its push committed a first call and made the next one. */
async function startPushing(f: SyncFixture, latencyMs: number) {
  f.org.faults.setLatency(latencyMs)
  await f.engine.start()
  await waitFor(
    async () => {
      const { rows } = await db().pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${f.connection.schema}".account WHERE sfid IS NOT NULL`,
      )
      return (rows[0]?.n ?? 0) > 0
    },
    30_000,
    'a first committed call',
  )
}

describe('stop()', () => {
  it('with 10 000 entries queued and a slow Salesforce, returns within 5 s with nothing claimed', async () => {
    const f = await backlogOf(10_000)
    await startPushing(f, 500)
    const started = Date.now()
    await f.engine.stop()
    const stoppedIn = Date.now() - started
    expect(stoppedIn).toBeLessThan(5_000)
    const after = await states(f)
    expect(after.PENDING ?? 0).toBe(0)
    expect(after.NEW).toBeGreaterThan(0)
    // What was sent is committed: every record in Salesforce is a row with its sfid.
    const { rows } = await db().pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${f.connection.schema}".account WHERE sfid IS NOT NULL`,
    )
    expect(f.org.all('Account')).toHaveLength(rows[0]?.n ?? -1)
  })

  it('graceful: false gives up the call in flight within 1 s; a restart sends the rest once', async () => {
    const f = await backlogOf(2_000)
    await startPushing(f, 3_000)
    const started = Date.now()
    await f.engine.stop({ graceful: false })
    expect(Date.now() - started).toBeLessThan(1_000)
    expect((await states(f)).PENDING ?? 0).toBe(0)
    // The abandoned call may still land in Salesforce: with an external id the resend upserts.
    f.org.faults.setLatency(0)
    await f.engine.syncOnce()
    expect(await states(f)).toEqual({})
    const ids = f.org.all('Account').map((r) => r.External_Id__c)
    expect(ids).toHaveLength(2_000)
    expect(new Set(ids).size).toBe(2_000)
  })

  it('a second stop({ graceful: false }) hurries a graceful stop that waits', async () => {
    const f = await backlogOf(1_000)
    await startPushing(f, 4_000)
    const graceful = f.engine.stop({ timeoutMs: 60_000 })
    await waitFor(() => f.engine.state === 'stopping')
    const started = Date.now()
    await f.engine.stop({ graceful: false })
    await graceful
    expect(Date.now() - started).toBeLessThan(1_000)
    expect((await states(f)).PENDING ?? 0).toBe(0)
  })
})
