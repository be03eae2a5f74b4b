import { afterEach, describe, expect, it } from 'vitest'
import { defaultSources } from '../../../src/engine/default-engine-parts.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import type { ConflictEvent } from '../../../src/mappings/conflict-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'
import { InMemoryOrg } from '../../../src/testing/org/index.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Values Salesforce computes when pgforce writes a record — a formula, an auto-number, a lookup
// Id resolved from the parent's external id — reach the row right after the push, without waiting
// for a poll (every poll interval here is 10 minutes; pgforce's own changes are not streamed back).
const db = useTestDatabase()
const TEN_MINUTES = 600_000
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Name_Upper__c', 'LastModifiedDate'],
  externalId: 'External_Id__c',
  pollIntervalMs: TEN_MINUTES,
  conflictPolicy: 'salesforce-wins', // the harshest policy: a false conflict would lose the edit
})
const cases = defineMapping({
  object: 'Case',
  access: 'read_write',
  fields: ['Subject', 'Status', 'CaseNumber'],
  pollIntervalMs: TEN_MINUTES,
})
const contact = defineMapping({
  object: 'Contact',
  access: 'read_write',
  fields: ['LastName', 'AccountId', 'Account.External_Id__c'],
  externalId: 'External_Id__c',
  pollIntervalMs: TEN_MINUTES,
})

/** An org whose Account has a formula field. */
function orgWithFormula(): InMemoryOrg {
  const org = new InMemoryOrg()
  org.addField('Account', {
    name: 'Name_Upper__c',
    type: 'string',
    length: 1300,
    formula: (record) => String(record.Name ?? '').toUpperCase(),
  })
  return org
}

let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await fixture?.close()
  fixture = undefined
})
const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

/** What a running engine reported: pull reasons and conflicts. */
function watch(engine: SyncEngine) {
  const seen = { pulls: [] as string[], completed: 0, conflicts: [] as ConflictEvent[] }
  engine.on('pull:started', (e) => seen.pulls.push(`${e.mapping} ${e.reason}`))
  engine.on('pull:completed', () => {
    seen.completed += 1
  })
  engine.on('conflict', (c) => seen.conflicts.push(c))
  return seen
}

describe('values Salesforce computes after a push', () => {
  it('a formula and an auto-number reach the row right after the push, no poll, no conflict', async () => {
    fixture = await syncFixture(db(), [account, cases], {
      over: 'http',
      org: orgWithFormula(),
      sources: defaultSources(),
    })
    const { org, engine } = fixture
    const seen = watch(engine)
    await engine.start()
    await waitFor(() => seen.completed >= 2, 10_000, 'the startup pulls')

    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await sql(`INSERT INTO $schema."case" (subject, status) VALUES ('Broken', 'New')`)
    await waitFor(
      async () =>
        (await sql(`SELECT name_upper__c FROM $schema.account`))[0]?.name_upper__c === 'ACME',
      10_000,
      'the formula value',
    )
    const [created] = org.all('Case')
    await waitFor(
      async () => (await sql(`SELECT casenumber FROM $schema."case"`))[0]?.casenumber !== null,
      10_000,
      'the case number',
    )
    expect(await sql(`SELECT casenumber FROM $schema."case"`)).toEqual([
      { casenumber: created?.CaseNumber },
    ])

    // An update: the formula follows, and LastModifiedDate is Salesforce's.
    await sql(`UPDATE $schema.account SET name = 'Acme 2'`)
    await waitFor(
      async () =>
        (await sql(`SELECT name_upper__c FROM $schema.account`))[0]?.name_upper__c === 'ACME 2',
      10_000,
      'the formula value after the update',
    )
    const [record] = org.all('Account').filter((a) => a.External_Id__c === 'A-1')
    const [row] = await sql(`SELECT lastmodifieddate, _hc_lastop FROM $schema.account`)
    expect(row?.lastmodifieddate).toEqual(
      new Date(String(record?.LastModifiedDate).replace('+0000', 'Z')),
    )
    expect(row?._hc_lastop).toBe('SYNCED')
    expect(seen.pulls).toContain('Account pushed')
    expect(seen.pulls).toContain('Case pushed')
    expect(seen.pulls.filter((p) => p.endsWith(' poll'))).toEqual([])
    expect(seen.conflicts).toEqual([])
  })

  it('syncOnce() returns with the lookup Id Salesforce resolved from the parent external id', async () => {
    fixture = await syncFixture(db(), [contact], { over: 'http' })
    const { org, engine } = fixture
    const [parent] = org.insert('Account', [{ Name: 'Parent', External_Id__c: 'P-1' }])
    await sql(
      `INSERT INTO $schema.contact (lastname, account__r__external_id__c) VALUES ('Doe', 'P-1')`,
    )
    const pass = await engine.syncOnce()
    expect(pass.pushes[0]).toMatchObject({ succeeded: 1, failed: 0 })
    expect(pass.pulls).toHaveLength(2) // the pass's pull, and the read-back after the push
    expect(await sql(`SELECT accountid, account__r__external_id__c FROM $schema.contact`)).toEqual([
      { accountid: parent, account__r__external_id__c: 'P-1' },
    ])
  })

  it('an edit made before the read-back is kept, not taken for a conflict, and sent next', async () => {
    // The app edits the row as soon as Salesforce answered the push, before the read-back pull:
    // the edit commits before the push ends (an edit started from the push's event raced the
    // read-back, which could read the row before the edit committed).
    let editing = true
    class EditAfterCommit extends OrderedWriteStrategy {
      override async write(entries: readonly ChangeEntry[], context: WriteContext) {
        const commit = async (results: readonly EntryResult[]) => {
          await context.commit(results)
          if (editing) await sql(`UPDATE $schema.account SET name = 'Edited'`)
          editing = false
        }
        return super.write(entries, { ...context, commit })
      }
    }
    fixture = await syncFixture(db(), [account], {
      over: 'http',
      org: orgWithFormula(),
      writeStrategy: new EditAfterCommit(),
    })
    const { org, engine } = fixture
    const conflicts: ConflictEvent[] = []
    engine.on('conflict', (c) => conflicts.push(c))
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    const pass = await engine.syncOnce()
    expect(pass.pulls.at(-1)).toMatchObject({ keptUnsent: 1 })
    expect(await sql(`SELECT name, name_upper__c, _hc_lastop FROM $schema.account`)).toEqual([
      { name: 'Edited', name_upper__c: 'ACME', _hc_lastop: 'PENDING' },
    ])
    await engine.syncOnce()
    expect(conflicts).toEqual([])
    expect(org.all('Account').map((a) => a.Name)).toEqual(['Edited'])
    expect(await sql(`SELECT name, name_upper__c FROM $schema.account`)).toEqual([
      { name: 'Edited', name_upper__c: 'EDITED' },
    ])
  })

  it('a push on a worker that does not lead the pull asks the leader, which reads back', async () => {
    fixture = await syncFixture(db(), [account], { org: orgWithFormula() })
    const connection = fixture.connection
    // The leader has no source of its own: it pulls at startup and when asked.
    const leader = new SyncEngine({ connection, mappings: [account], sources: [] })
    const pusher = new SyncEngine({
      connection,
      mappings: [account],
      sources: [new PostgresNotifySource()],
    })
    engines.push(leader, pusher)
    const led = watch(leader)
    const pushed = watch(pusher)
    let pushes = 0
    pusher.on('push:completed', (report) => {
      pushes += report.succeeded
    })
    // The leader's startup push, which finds nothing, must be over before the insert: else it
    // can be the one that claims the row (seen in CI with the cores busy).
    let leaderPushes = 0
    leader.on('push:completed', () => {
      leaderPushes += 1
    })
    await leader.start()
    await waitFor(() => led.completed >= 1 && leaderPushes >= 1, 10_000, 'the leader to start up')
    await pusher.start()
    await sql(`INSERT INTO $schema.account (name, external_id__c) VALUES ('Acme', 'A-1')`)
    await waitFor(
      async () =>
        (await sql(`SELECT name_upper__c FROM $schema.account`))[0]?.name_upper__c === 'ACME',
      10_000,
      'the formula value',
    )
    expect(pushes).toBe(1)
    expect(led.pulls).toEqual(['Account startup', 'Account pushed'])
    expect(pushed.pulls).toEqual([]) // it never pulled: it does not lead
    expect(led.conflicts).toEqual([])
  })
})
