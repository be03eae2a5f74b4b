import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { ApiBudgetExhaustedError } from '../../../src/errors/api-budget-exhausted-error.js'
import { RetryPolicy } from '../../../src/errors/retry-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { BaseChangeSource } from '../../../src/sources/base-change-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { recordingSource } from '../../support/recording-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  pollIntervalMs: 1_000,
})
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await fixture?.close()
  fixture = undefined
})

describe('daily API budget', () => {
  it('polling never spends more than the budget, across two workers', async () => {
    fixture = await syncFixture(db(), [account])
    const events: string[] = []
    const budget = { dailyCalls: 6, slowDownAt: 0.99 }
    // A refused pull is retried after 50 ms instead of 30 s: once the budget is spent, the leader
    // keeps trying, and each refusal (pull:failed) shows a call that was not made.
    const retryPolicy = new RetryPolicy({
      salesforceCodes: { API_BUDGET_EXHAUSTED: { minDelayMs: 50, maxDelayMs: 50 } },
    })
    let refused = 0
    const polls = [0, 0] // per worker
    for (let i = 0; i < 2; i += 1) {
      const engine = new SyncEngine({
        connection: fixture.connection,
        mappings: [account],
        sources: [
          recordingSource(new SalesforcePollingSource(), () => {
            polls[i] = (polls[i] ?? 0) + 1
          }),
        ],
        apiBudget: budget,
        takeoverCheckMs: 50,
        retryPolicy,
      })
      engine.on('budget', (e) => events.push(`${e.level} ${e.used}/${e.budget}`))
      engine.on('pull:failed', ({ error }) => {
        if (error instanceof ApiBudgetExhaustedError) refused += 1
      })
      engines.push(engine)
      await engine.start()
    }
    const before = fixture.org.api.used
    await waitFor(
      () => events.some((e) => e.startsWith('exhausted')),
      15_000,
      'the budget to run out',
    )
    // Both workers poll again, and the leader's pull is refused three more times.
    const [pollsA = 0, pollsB = 0] = polls
    const refusedSoFar = refused
    await waitFor(
      () => (polls[0] ?? 0) > pollsA && (polls[1] ?? 0) > pollsB,
      10_000,
      'the next poll of both workers',
    )
    await waitFor(() => refused >= refusedSoFar + 3, 10_000, 'three more pulls to be refused')
    expect(fixture.org.api.used - before).toBeLessThanOrEqual(6)
    expect(events).toContain('low 6/6')
    const status = await engines[0]?.status()
    expect(status?.mappings[0]?.apiCallsToday).toBe(6)
  })

  it('a spent budget makes pushes wait: entries stay NEW, nothing fails; a new budget sends them', async () => {
    fixture = await syncFixture(db(), [account])
    await fixture.engine.syncOnce() // spends a few calls, counted
    const spent = (await fixture.engine.status()).mappings[0]?.apiCallsToday ?? 0
    expect(spent).toBeGreaterThan(0)
    const budgeted = new SyncEngine({
      connection: fixture.connection,
      mappings: [account],
      sources: [],
      apiBudget: { perMapping: { Account: spent } }, // already spent today
    })
    await db().pool.query(
      `INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('Waits')`,
    )
    await expect(budgeted.syncOnce()).rejects.toBeInstanceOf(ApiBudgetExhaustedError)
    expect((await fixture.log()).map((l) => l.state)).toEqual(['NEW'])
    expect(fixture.org.all('Account')).toEqual([])

    const richer = new SyncEngine({
      connection: fixture.connection,
      mappings: [account],
      sources: [],
      apiBudget: { perMapping: { Account: spent + 10 } }, // raised
    })
    const report = await richer.syncOnce()
    expect(report.pushes[0]).toMatchObject({ succeeded: 1, failed: 0 })
    expect(fixture.org.all('Account').map((r) => r.Name)).toEqual(['Waits'])
  })
})

describe('a low API budget', () => {
  it('still polls every 4 intervals while streaming pulls keep coming (they follow no cursor)', async () => {
    fixture = await syncFixture(db(), [account])
    const [id] = fixture.org.insert('Account', [{ Name: 'Streamed' }]) as [string]
    // A stream that names the same record every 300 ms, as a busy record's events do.
    class Streaming extends BaseChangeSource {
      readonly name = 'streaming'
      readonly direction = 'pull' as const
      protected async onStart(): Promise<void> {
        this.every(300, () =>
          this.signal({ object: 'Account', direction: 'pull', reason: 'stream', recordIds: [id] }),
        )
      }
    }
    const engine = new SyncEngine({
      connection: fixture.connection,
      mappings: [account],
      sources: [new SalesforcePollingSource(), new Streaming()],
      apiBudget: { dailyCalls: 100_000, slowDownAt: 0.000_01 },
    })
    engines.push(engine)
    const reasons: string[] = []
    engine.on('pull:started', ({ reason }) => reasons.push(reason))
    const levels: string[] = []
    engine.on('budget', ({ level }) => levels.push(level))
    await engine.start()
    await waitFor(() => levels.includes('low'), 10_000, 'the budget to be low')
    const seen = reasons.length
    // Polls come every second; with the budget low, one in four intervals goes through.
    await waitFor(
      () => reasons.slice(seen).includes('poll'),
      8_000,
      () => `a poll among ${reasons.slice(seen).join(', ')}`,
    )
  }, 20_000)
})
