import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
// No external id: a record whose sfid is not written back would be created again, a duplicate.
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

describe('stop() while syncOnce() runs', () => {
  it('stops that pass too, and resolves with nothing claimed and every sfid written back', async () => {
    fixture = await syncFixture(db(), [account], { tuning: { push: { claimSize: 200 } } })
    const { org, engine, connection } = fixture
    const q = (sql: string) => db().pool.query(sql.replaceAll('$s', `"${connection.schema}"`))
    await engine.start()
    await q(`INSERT INTO $s.account (name) SELECT 'Row ' || g FROM generate_series(1, 1000) g`)
    org.faults.setLatency(300)
    const pass = engine.syncOnce()
    pass.catch(() => {}) // it may end early, with or without an error: what it left is checked
    await waitFor(() => org.all('Account').length >= 200, 20_000, 'the first creates')
    await engine.stop()
    // Nothing claimed any more, and every record Salesforce created has its row's sfid.
    expect(
      (await q(`SELECT count(*)::int AS n FROM $s._trigger_log WHERE state = 'PENDING'`)).rows,
    ).toEqual([{ n: 0 }])
    const linked = await q(`SELECT count(*)::int AS n FROM $s.account WHERE sfid IS NOT NULL`)
    expect(linked.rows[0]?.n).toBe(org.all('Account').length)
    expect(org.all('Account').length).toBeLessThan(1000) // the pass did stop
    await pass.catch(() => {})
  }, 60_000)
})
