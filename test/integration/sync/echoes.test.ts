import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import type { ConflictEvent } from '../../../src/mappings/conflict-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { OrderedWriteStrategy } from '../../../src/strategies/ordered-write-strategy.js'
import type {
  ChangeEntry,
  EntryResult,
  WriteContext,
} from '../../../src/strategies/write-strategy.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// pgforce's own writes come back in pulls (the record's SystemModstamp moves). Nobody else
// changed the record, so a later Postgres change must not be dropped as a "conflict", whatever
// the policy (reliability finding 9: 10 of 15 later updates were lost).
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
  conflictPolicy: 'salesforce-wins', // the harshest policy: any false conflict loses U2
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

/**
 * A record synced both ways, then the next second begins: Salesforce stamps to the second, so
 * pgforce's next write of the record gets a newer SystemModstamp than the row has.
 */
async function syncedRow() {
  const f = fixture as SyncFixture
  const [id] = f.org.insert('Account', [{ Name: 'A', Industry: 'U0' }])
  await f.engine.syncOnce()
  const second = Math.floor(Date.now() / 1000)
  await waitFor(() => Math.floor(Date.now() / 1000) > second, 2_000, 'the next second')
  return id as string
}

const update = (industry: string) =>
  db().pool.query(`UPDATE "${fixture?.connection.schema}".account SET industry = $1`, [industry])

async function archived() {
  const { rows } = await db().pool.query<{ state: string }>(
    `SELECT state FROM "${fixture?.connection.schema}"._trigger_log_archive ORDER BY id`,
  )
  return rows.map((r) => r.state)
}

describe("pgforce's own writes are not conflicts", () => {
  it('a pull that reads back a push already committed keeps the later Postgres change', async () => {
    fixture = await syncFixture(db(), [account])
    const conflicts: ConflictEvent[] = []
    fixture.engine.on('conflict', (c) => conflicts.push(c))
    const id = await syncedRow()
    await update('U1')
    await fixture.engine.syncOnce() // pushes U1: Salesforce's SystemModstamp moves
    await update('U2')
    await fixture.engine.syncOnce() // its pull reads U1's echo first, then it pushes U2
    expect(conflicts).toEqual([])
    expect(fixture.org.get(id)).toMatchObject({ Industry: 'U2' })
    expect(await fixture.rows('account', 'industry')).toEqual([{ industry: 'U2' }])
    expect(await archived()).toEqual(['SUCCESS', 'SUCCESS'])
  })

  it('a pull while a push of the record is in flight decides nothing and loses nothing', async () => {
    let answer: () => void = () => {}
    const answered = new Promise<void>((resolve) => {
      answer = resolve
    })
    let inFlight = false
    // Salesforce has applied U1; its outcome is not committed yet.
    class SlowToCommit extends OrderedWriteStrategy {
      override async write(entries: readonly ChangeEntry[], context: WriteContext) {
        const commit = async (results: readonly EntryResult[]) => {
          inFlight = true
          await answered
          await context.commit(results)
        }
        return super.write(entries, { ...context, commit })
      }
    }
    fixture = await syncFixture(db(), [account], { writeStrategy: new SlowToCommit() })
    const conflicts: ConflictEvent[] = []
    const puller = new SyncEngine({
      connection: fixture.connection,
      mappings: [account],
      sources: [],
    })
    puller.on('conflict', (c) => conflicts.push(c))
    fixture.engine.on('conflict', (c) => conflicts.push(c))
    const id = await syncedRow()
    await update('U1')
    const pushing = fixture.engine.syncOnce()
    await waitFor(() => inFlight)
    await update('U2') // while U1 is in flight
    await puller.syncOnce() // reads the record with U1's SystemModstamp
    answer()
    await pushing
    await fixture.engine.syncOnce() // sends U2
    await fixture.engine.syncOnce()
    expect(conflicts).toEqual([])
    expect(fixture.org.get(id)).toMatchObject({ Industry: 'U2' })
    expect(await fixture.rows('account', 'industry')).toEqual([{ industry: 'U2' }])
    expect(await archived()).not.toContain('IGNORED')
  })

  it('a push Salesforce accepted whose commit failed is not a conflict: the later change still goes', async () => {
    fixture = await syncFixture(db(), [account])
    const conflicts: ConflictEvent[] = []
    fixture.engine.on('conflict', (c) => conflicts.push(c))
    const id = await syncedRow()
    await update('U1')
    await update('U2')
    // Salesforce carried out the push of U1, and its commit failed for good: both entries are NEW
    // again, and the next pull reads U1 back, stamped after the row's last sync.
    fixture.org.clock.advance(5_000)
    fixture.org.modify('Account', id, { Industry: 'U1' })
    await fixture.engine.syncOnce()
    expect(conflicts).toEqual([])
    expect(fixture.org.get(id)).toMatchObject({ Industry: 'U2' })
    expect(await fixture.rows('account', 'industry')).toEqual([{ industry: 'U2' }])
  })

  it('a real change by someone else is still a conflict, and the event names the side kept', async () => {
    fixture = await syncFixture(db(), [account])
    const conflicts: ConflictEvent[] = []
    fixture.engine.on('conflict', (c) => conflicts.push(c))
    const id = await syncedRow()
    await update('U1')
    await fixture.engine.syncOnce()
    await update('U2')
    fixture.org.clock.advance(5_000) // someone edits the record in Salesforce, after pgforce's push
    fixture.org.modify('Account', id, { Industry: 'Salesforce' })
    await fixture.engine.syncOnce()
    expect(conflicts.map((c) => c.winner)).toEqual(['salesforce'])
    expect(fixture.org.get(id)).toMatchObject({ Industry: 'Salesforce' })
    expect(await fixture.rows('account', 'industry')).toEqual([{ industry: 'Salesforce' }])
    expect(await archived()).toContain('IGNORED')
  })
})
