import { afterEach, describe, expect, it } from 'vitest'
import type { Connection } from '../../../src/connection/connection.js'
import type { Logger } from '../../../src/engine/engine-logger.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { ChangeSignal } from '../../../src/sources/change-source.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { recordingSource } from '../../support/recording-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'
import { watchedConnection } from '../../support/watched-pool.js'

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name'],
  externalId: 'External_Id__c',
  pollIntervalMs: 1_000,
})
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await fixture?.close()
  fixture = undefined
})

/**
 * An engine polling Salesforce and listening to Postgres; `log` gets its leadership changes and
 * pulls, `signalled` every signal its sources gave it (after the engine took it).
 */
function worker(
  name: string,
  log: string[],
  options: { connection?: Connection; signalled?: (change: ChangeSignal) => void } = {},
): SyncEngine {
  const signalled = options.signalled ?? (() => {})
  const engine = new SyncEngine({
    connection: options.connection ?? (fixture?.connection as SyncFixture['connection']),
    mappings: [account],
    sources: [
      recordingSource(new SalesforcePollingSource(), signalled),
      recordingSource(new PostgresNotifySource(), signalled),
    ],
    takeoverCheckMs: 50,
  })
  engine.on('leadership', (e) => log.push(`${name} ${e.leader ? 'leads' : 'left'}`))
  engine.on('pull:completed', () => log.push(`${name} pulled`))
  engines.push(engine)
  return engine
}

describe('several workers on one database', () => {
  it('one leads the pulls; when it stops, another takes over within the check interval', async () => {
    fixture = await syncFixture(db(), [account])
    const log: string[] = []
    const a = worker('a', log)
    // b's pool tells which of its claims of the pull-leadership lease Postgres refused.
    let refusedToB = 0
    const b = worker('b', log, {
      connection: watchedConnection(fixture.connection, db().pool, ({ text, rows }) => {
        if (
          text.includes('INSERT INTO') &&
          text.includes('_pgforce_pull_leader') &&
          rows.length === 0
        )
          refusedToB += 1
      }),
    })
    await a.start()
    await waitFor(() => log.includes('a pulled'))
    await b.start()
    fixture.org.insert('Account', [{ Name: 'From Salesforce' }])
    await waitFor(async () => (await fixture?.count('account')) === 1)
    // b keeps trying to take over (every 50 ms) while a leads: see it refused, again and again.
    const refusedSoFar = refusedToB
    await waitFor(() => refusedToB >= refusedSoFar + 3, 10_000, 'b to be refused the lead 3 times')
    expect(log.filter((l) => l.startsWith('b'))).toEqual([])
    expect((await b.status()).mappings[0]?.pullLeader).toBe(false)

    const stopped = Date.now()
    await a.stop()
    await waitFor(() => log.includes('b leads'), 2_000, 'b to take over')
    const takeoverMs = Date.now() - stopped
    expect(takeoverMs).toBeLessThan(1_000)
    fixture.org.insert('Account', [{ Name: 'After takeover' }])
    await waitFor(async () => (await fixture?.count('account')) === 2)
    // The row is committed a moment before the pull that wrote it reports pull:completed.
    await waitFor(() => log.includes('b pulled'), 10_000, "b's pull to report")
    expect((await b.status()).mappings[0]?.pullLeader).toBe(true)
  })

  it('pause() holds pushes and pulls (changes accumulate); resume() sends them', async () => {
    fixture = await syncFixture(db(), [account])
    const signals: ChangeSignal[] = []
    const engine = worker('a', [], { signalled: (change) => signals.push(change) })
    const events: string[] = []
    engine.on('push:completed', (report) => {
      if (report.succeeded > 0) events.push('pushed')
    })
    engine.on('pull:started', () => events.push('pull started'))
    engine.on('pull:completed', () => events.push('pulled'))
    await engine.start()
    await engine.pause()
    expect((await engine.status()).paused).toBe(true)
    const beforeInsert = signals.length
    await db().pool.query(
      `INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('While paused')`,
    )
    fixture.org.insert('Account', [{ Name: 'Also while paused' }])
    const afterInsert = signals.length
    // The engine decides on a signal as it comes. Once it has been asked to push (the insert's
    // notification) and to pull (the next poll) while paused, and held both, nothing can run.
    const asked = (since: number, direction: 'push' | 'pull', reason: string) =>
      signals.slice(since).some((c) => c.direction === direction && c.reason === reason)
    await waitFor(() => asked(beforeInsert, 'push', 'notify'), 10_000, 'the notification')
    await waitFor(() => asked(afterInsert, 'pull', 'poll'), 10_000, 'the next poll')
    expect(fixture.org.all('Account').map((r) => r.Name)).toEqual(['Also while paused'])
    expect((await fixture.log()).map((l) => l.state)).toEqual(['NEW'])
    expect(await fixture.count('account')).toBe(1)

    engine.resume()
    // The push and the pull run at once: the row the push creates is not pulled in twice.
    await waitFor(async () => (await fixture?.count('account')) === 2)
    await waitFor(() => fixture?.org.all('Account').length === 2)
    // A pull begun after the push committed reads the record the push created, and matches it.
    const pulledAfterPush = () => {
      const pushed = events.indexOf('pushed')
      const started = pushed < 0 ? -1 : events.indexOf('pull started', pushed)
      return started >= 0 && events.indexOf('pulled', started) >= 0
    }
    await waitFor(pulledAfterPush, 10_000, 'a pull begun after the push')
    expect(await fixture.count('account')).toBe(2)
    expect((await engine.status()).paused).toBe(false)
  })

  it('logs through a pino-style logger', async () => {
    fixture = await syncFixture(db(), [account])
    const lines: string[] = []
    const logger: Logger = {
      debug: () => {},
      info(bindings, message) {
        lines.push(`info ${message}`)
        expect(this).toBe(logger) // called as a method, as pino needs
        expect(bindings.component).toBe('pgforce')
      },
      warn: (_b, message) => lines.push(`warn ${message}`),
      error: (_b, message) => lines.push(`error ${message}`),
    }
    const engine = new SyncEngine({
      connection: fixture.connection,
      mappings: [account],
      sources: [new PostgresNotifySource()],
      logger,
    })
    engines.push(engine)
    await engine.start()
    await db().pool.query(`INSERT INTO "${fixture.connection.schema}".account (name) VALUES (NULL)`)
    // The rejection is logged as it happens; the push's summary when its transaction commits.
    await waitFor(() => lines.includes('info pushed Account: 0 succeeded, 1 failed, 0 held back'))
    expect(lines.some((l) => l.startsWith('warn Salesforce rejected'))).toBe(true)
    expect(lines).toContain('info engine running')
    expect(lines).toContain('info leading the pulls of Account')
  })

  it('only the pull leader runs the periodic reconcile of a mapping', async () => {
    fixture = await syncFixture(db(), [account])
    const f = fixture
    f.org.insert('Account', [{ Name: 'A' }])
    const reconciled = new Map<string, number>()
    const leaders: string[] = []
    const start = async (name: string) => {
      const engine = new SyncEngine({
        connection: f.connection,
        mappings: [account],
        sources: [new SalesforcePollingSource()],
        takeoverCheckMs: 50,
        reconcileIntervalMs: 200,
      })
      engine.on('leadership', (e) => {
        if (e.leader) leaders.push(name)
      })
      engine.on('reconcile:completed', () => reconciled.set(name, (reconciled.get(name) ?? 0) + 1))
      engines.push(engine)
      await engine.start()
    }
    await start('a')
    await start('b')
    await waitFor(() => leaders.length > 0, 5_000, 'a leader')
    await waitFor(() => [...reconciled.values()].some((n) => n >= 3), 10_000, 'reconciles')
    expect([...reconciled.keys()]).toEqual([leaders[0]])
  }, 30_000)
})
