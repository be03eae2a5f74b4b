import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
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

const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry', 'External_Id__c'],
  externalId: 'External_Id__c',
})
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await fixture?.close()
  fixture = undefined
})

/** The ordered strategy, whose commits wait until `release()` (Salesforce has answered). */
class SlowToCommit extends OrderedWriteStrategy {
  waiting = false
  release: () => void = () => {}
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve
  })
  override async write(entries: readonly ChangeEntry[], context: WriteContext) {
    const commit = async (results: readonly EntryResult[]) => {
      this.waiting = true
      await this.released
      await context.commit(results)
    }
    return super.write(entries, { ...context, commit })
  }
}

describe('a pull that links a row by its external id', () => {
  it('keeps the app edit made while the row’s insert was in flight', async () => {
    fixture = await syncFixture(db(), [account])
    const { engine: puller, connection, org } = fixture
    const strategy = new SlowToCommit()
    const pusher = new SyncEngine({
      sources: [],
      connection,
      mappings: [account],
      writeStrategy: strategy,
    })
    engines.push(pusher)
    const q = (sql: string) => db().pool.query(sql.replaceAll('$s', `"${connection.schema}"`))
    await q(`INSERT INTO $s.account (name, industry, external_id__c) VALUES ('A', 'U0', 'X')`)
    // Salesforce creates the record; the push's commit (the row's sfid) is held.
    const pushing = pusher.syncOnce()
    await waitFor(() => strategy.waiting, 10_000, 'the create to be answered')
    await q(`UPDATE $s.account SET industry = 'B'`) // the app edits its row meanwhile
    await puller.syncOnce() // reads the new record (U0) and links the row by its external id
    const during = await q(`SELECT industry FROM $s.account`)
    expect(during.rows).toEqual([{ industry: 'B' }])
    strategy.release()
    await pushing
    await puller.syncOnce()
    const rows = await q(`SELECT sfid, industry FROM $s.account`)
    expect(rows.rows[0]?.industry).toBe('B')
    expect(org.get(rows.rows[0]?.sfid as string)?.Industry).toBe('B')
  }, 30_000)
})
