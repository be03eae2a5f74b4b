import { afterEach, expect, it } from 'vitest'
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

// Two workers share the push queue. While one is sending a record's change, another must not
// send a later change of the same record: it could land first and be overwritten by the older.
const db = useTestDatabase()
const account = defineMapping({
  object: 'Account',
  access: 'read_write',
  fields: ['Name', 'Industry'],
})
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

it("a record's later change waits while another worker sends its earlier one", async () => {
  fixture = await syncFixture(db(), [account])
  const table = `"${fixture.connection.schema}".account`
  await db().pool.query(`INSERT INTO ${table} (name, industry) VALUES ('Acme', 'none')`)
  await fixture.engine.syncOnce()

  let go: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    go = resolve
  })
  class Slow extends OrderedWriteStrategy {
    override async write(entries: readonly ChangeEntry[], context: WriteContext) {
      await gate
      const results: EntryResult[] = await super.write(entries, context)
      return results
    }
  }
  const slow = new SyncEngine({
    connection: fixture.connection,
    mappings: [account],
    sources: [],
    writeStrategy: new Slow(),
  })
  await db().pool.query(`UPDATE ${table} SET industry = 'first'`)
  const first = slow.syncOnce()
  await waitFor(async () => (await fixture?.log())?.some((e) => e.state === 'PENDING') === true)

  await db().pool.query(`UPDATE ${table} SET industry = 'second'`)
  const meanwhile = await fixture.engine.syncOnce()
  expect(meanwhile.pushes[0]?.sent).toBe(0) // 'second' waits behind 'first'
  // Left NEW, or claimed by the slow worker's next claim (made while it sends 'first': it sends
  // 'second' after 'first'); never sent by the other worker.
  const [firstState, secondState] = (await fixture.log()).map((e) => e.state)
  expect(firstState).toBe('PENDING')
  expect(['NEW', 'PENDING']).toContain(secondState)

  go()
  await first
  await fixture.engine.syncOnce()
  expect(fixture.org.all('Account').map((r) => r.Industry)).toEqual(['second'])
  expect(await fixture.log()).toEqual([])
})
