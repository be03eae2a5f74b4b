import { afterEach, describe, expect, it } from 'vitest'
import type { Logger } from '../../../src/engine/engine-logger.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { SalesforcePollingSource } from '../../../src/sources/salesforce-polling-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

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

function worker(name: string, log: string[]): SyncEngine {
  const engine = new SyncEngine({
    connection: fixture?.connection as SyncFixture['connection'],
    mappings: [account],
    sources: [new SalesforcePollingSource(), new PostgresNotifySource()],
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
    const b = worker('b', log)
    await a.start()
    await waitFor(() => log.includes('a pulled'))
    await b.start()
    fixture.org.insert('Account', [{ Name: 'From Salesforce' }])
    await waitFor(async () => (await fixture?.count('account')) === 1)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(log.filter((l) => l.startsWith('b'))).toEqual([])
    expect((await b.status()).mappings[0]?.pullLeader).toBe(false)

    const stopped = Date.now()
    await a.stop()
    await waitFor(() => log.includes('b leads'), 2_000, 'b to take over')
    const takeoverMs = Date.now() - stopped
    expect(takeoverMs).toBeLessThan(1_000)
    fixture.org.insert('Account', [{ Name: 'After takeover' }])
    await waitFor(async () => (await fixture?.count('account')) === 2)
    expect(log).toContain('b pulled')
    expect((await b.status()).mappings[0]?.pullLeader).toBe(true)
  })

  it('pause() holds pushes and pulls (changes accumulate); resume() sends them', async () => {
    fixture = await syncFixture(db(), [account])
    const engine = worker('a', [])
    await engine.start()
    await engine.pause()
    expect((await engine.status()).paused).toBe(true)
    await db().pool.query(
      `INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('While paused')`,
    )
    fixture.org.insert('Account', [{ Name: 'Also while paused' }])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(fixture.org.all('Account').map((r) => r.Name)).toEqual(['Also while paused'])
    expect((await fixture.log()).map((l) => l.state)).toEqual(['NEW'])
    expect(await fixture.count('account')).toBe(1)

    engine.resume()
    // The push and the pull run at once: the row the push creates is not pulled in twice.
    await waitFor(async () => (await fixture?.count('account')) === 2)
    await waitFor(() => fixture?.org.all('Account').length === 2)
    await new Promise((resolve) => setTimeout(resolve, 1_200)) // one more poll
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
})
