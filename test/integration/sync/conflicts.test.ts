import { afterEach, describe, expect, it } from 'vitest'
import type { ConflictEvent, ConflictPolicy } from '../../../src/mappings/conflict-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { InMemoryOrg, OrgClock } from '../../../src/testing/org/index.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

/**
 * A record synced both ways, then edited on both sides before the next sync: Industry in
 * Postgres, Industry and Rating in Salesforce. `salesforceLater` puts Salesforce's edit after
 * Postgres's (by the org's clock), else before it.
 */
async function editedOnBothSides(conflictPolicy: ConflictPolicy, salesforceLater: boolean) {
  const account = defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry', 'Rating'],
    conflictPolicy,
  })
  // Salesforce's clock starts a minute back, so its later edits can fall before or after
  // Postgres's edit (made now, by Postgres's clock).
  const org = new InMemoryOrg({ clock: new OrgClock(new Date(Date.now() - 60_000)) })
  fixture = await syncFixture(db(), [account], { org })
  const { engine } = fixture
  const conflicts: ConflictEvent[] = []
  engine.on('conflict', (event) => conflicts.push(event))
  const [id] = org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
  await engine.syncOnce()
  const schema = fixture.connection.schema
  const salesforceEdit = () =>
    org.modify('Account', id as string, { Industry: 'Salesforce', Rating: 'Hot' })
  if (!salesforceLater) {
    org.clock.advance(30_000) // 30 s ago
    salesforceEdit()
  }
  await db().pool.query(`UPDATE "${schema}".account SET industry = 'Postgres'`)
  if (salesforceLater) {
    org.clock.advance(90_000) // 30 s from now
    salesforceEdit()
  }
  await engine.syncOnce() // pull (resolves the conflict), then push
  await engine.syncOnce() // pull back what the push wrote
  const [row] = await fixture.rows('account', 'industry, rating, _hc_lastop')
  return { row, record: org.get(id as string), conflicts, log: await fixture.log() }
}

describe('conflicts: a record changed on both sides between syncs', () => {
  it('salesforce-wins drops the unsent Postgres change', async () => {
    const { row, record, conflicts } = await editedOnBothSides('salesforce-wins', false)
    expect(row).toMatchObject({ industry: 'Salesforce', rating: 'Hot' })
    expect(record).toMatchObject({ Industry: 'Salesforce', Rating: 'Hot' })
    expect(conflicts).toHaveLength(1)
    expect(conflicts[0]).toMatchObject({
      mapping: 'Account',
      winner: 'salesforce',
      policy: 'salesforce-wins',
      postgres: { industry: 'Postgres' },
      salesforce: { Industry: 'Salesforce' },
    })
    const archived = await db().pool.query(
      `SELECT state, sf_message FROM "${fixture?.connection.schema}"._trigger_log_archive WHERE action = 'UPDATE'`,
    )
    expect(archived.rows).toEqual([{ state: 'IGNORED', sf_message: 'conflict: Salesforce won' }])
  })

  it("postgres-wins keeps the row's change and sends it; Salesforce's other fields still arrive", async () => {
    const { row, record, conflicts, log } = await editedOnBothSides('postgres-wins', true)
    expect(row).toMatchObject({ industry: 'Postgres', rating: 'Hot' })
    expect(record).toMatchObject({ Industry: 'Postgres', Rating: 'Hot' })
    expect(conflicts.map((c) => c.winner)).toEqual(['postgres'])
    expect(log).toEqual([])
  })

  it('last-writer-wins: the later change wins, either way round', async () => {
    const sfLater = await editedOnBothSides('last-writer-wins', true)
    expect(sfLater.row).toMatchObject({ industry: 'Salesforce', rating: 'Hot' })
    expect(sfLater.record).toMatchObject({ Industry: 'Salesforce' })
    expect(sfLater.conflicts.map((c) => c.winner)).toEqual(['salesforce'])
    await fixture?.close()
    fixture = undefined

    const pgLater = await editedOnBothSides('last-writer-wins', false)
    expect(pgLater.row).toMatchObject({ industry: 'Postgres', rating: 'Hot' })
    expect(pgLater.record).toMatchObject({ Industry: 'Postgres', Rating: 'Hot' })
    expect(pgLater.conflicts.map((c) => c.winner)).toEqual(['postgres'])
  })

  it('a function decides each conflict, seeing both versions', async () => {
    const seen: string[] = []
    const { row, conflicts } = await editedOnBothSides((conflict) => {
      seen.push(`${conflict.salesforce.Industry} vs ${conflict.postgres.industry}`)
      return 'salesforce'
    }, false)
    expect(seen).toEqual(['Salesforce vs Postgres'])
    expect(row).toMatchObject({ industry: 'Salesforce' })
    expect(conflicts[0]?.policy).toBe('function')
  })

  it('a pull that brings nothing newer keeps unsent Postgres changes (no conflict)', async () => {
    const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Industry'] })
    fixture = await syncFixture(db(), [account])
    const conflicts: ConflictEvent[] = []
    fixture.engine.on('conflict', (event) => conflicts.push(event))
    fixture.org.insert('Account', [{ Name: 'Acme', Industry: 'Energy' }])
    await fixture.engine.syncOnce()
    await db().pool.query(`UPDATE "${fixture.connection.schema}".account SET industry = 'Local'`)
    await fixture.engine.reload('Account') // re-reads every record, changed or not
    const [row] = await fixture.rows('account', 'industry')
    expect(row?.industry).toBe('Local')
    expect(conflicts).toEqual([])
  })
})
