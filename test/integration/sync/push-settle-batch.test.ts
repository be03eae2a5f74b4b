import { afterEach, describe, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

describe('outcomes of one row committed together', () => {
  it('show the later one on the row: an update that failed after one that went through is FAILED', async () => {
    fixture = await syncFixture(db(), [account])
    const { org, engine, adapter, connection } = fixture
    const q = (sql: string) => db().pool.query(sql.replaceAll('$s', `"${connection.schema}"`))
    await q(`INSERT INTO $s.account (name) VALUES ('D'), ('X0')`)
    await engine.syncOnce()
    // The delete's call goes first; its commit waits on a lock the test holds until the second
    // update of X has answered, so X's two outcomes are queued behind it and commit together.
    await q(`DELETE FROM $s.account WHERE name = 'D'`)
    await q(`UPDATE $s.account SET name = 'X1' WHERE name = 'X0'`)
    await q(`UPDATE $s.account SET name = 'X2' WHERE name = 'X1'`)
    const locker = await db().pool.connect()
    let locked = false
    const remove = adapter.delete.bind(adapter) as SalesforceAdapter['delete']
    const update = adapter.update.bind(adapter) as SalesforceAdapter['update']
    adapter.delete = async (...args) => {
      await locker.query('BEGIN')
      await locker.query(
        `SELECT 1 FROM "${connection.schema}"._trigger_log WHERE action = 'DELETE' FOR UPDATE`,
      )
      locked = true
      return remove(...args)
    }
    adapter.update = async (objectName, records, options) => {
      const second = records.some((r) => r.Name === 'X2')
      if (second)
        org.faults.failRecords({
          objectName: 'Account',
          operation: 'update',
          statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          message: 'no X2',
        })
      const results = await update(objectName, records, options)
      if (second && locked) setImmediate(() => void locker.query('COMMIT'))
      return results
    }
    try {
      await engine.syncOnce()
    } finally {
      locker.release()
    }
    expect(locked).toBe(true) // the delete's commit did wait, so X's outcomes were committed together
    const { rows } = await q(`SELECT name, sfid, _hc_lastop, _hc_err FROM $s.account`)
    expect(rows).toEqual([
      {
        name: 'X2',
        sfid: expect.stringMatching(/^001/),
        _hc_lastop: 'FAILED',
        _hc_err: expect.stringContaining('no X2'),
      },
    ])
  }, 30_000)
})
