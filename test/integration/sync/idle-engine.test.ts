import { afterEach, expect, it } from 'vitest'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { PostgresNotifySource } from '../../../src/sources/postgres-notify-source.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

const db = useTestDatabase()
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.engine.stop()
  await fixture?.close()
  fixture = undefined
})

it('an idle engine listening to Postgres sits still: its own empty claims wake nobody', async () => {
  fixture = await syncFixture(db(), [account], { sources: [new PostgresNotifySource()] })
  const { engine } = fixture
  const sent: number[] = []
  engine.on('push:completed', (report) => sent.push(report.sent))
  await engine.start()
  await db().pool.query(`INSERT INTO "${fixture.connection.schema}".account (name) VALUES ('Idle')`)
  await waitFor(async () => Boolean((await fixture?.rows('account'))?.[0]?.sfid))
  // After the push that sent it, the engine pushes twice more, both empty: once to find the
  // queue empty and reopen the trigger log's doorbell, once more after reopening it
  // (docs/concepts/design.md §5, "The doorbell").
  await waitFor(() => sent.indexOf(1) >= 0 && sent.length - sent.indexOf(1) >= 3)
  // Before: every claim's (empty) INSERT of operators' REQUEUE copies fired the log's NOTIFY
  // trigger, which signalled another push — over a hundred pushes a second with nothing to send.
  const settled = sent.length
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  expect(sent.length - settled).toBeLessThanOrEqual(2)
})
