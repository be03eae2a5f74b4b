import { afterEach, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { SalesforceApiError } from '../../../src/errors/salesforce-api-error.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { schemaSql } from '../../support/schema-sql.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'
import { waitFor } from '../../support/wait-for.js'

// Claims of the trigger log are leases (docs/concepts/delivery-guarantees.md, "Claims and
// leases"): renewed while a worker holds them, so a round slower than the lease is not sent
// twice; and a batch claimed ahead is checked before it goes out.
const db = useTestDatabase()
// No external id: every create is a new record, so a change sent twice shows as a duplicate.
const account = defineMapping({ object: 'Account', access: 'read_write', fields: ['Name'] })
const LEASE_MS = 2_000
const options = { pushLeaseMs: LEASE_MS, tuning: { push: { claimSize: 200 } } }
let fixture: SyncFixture | undefined
const engines: SyncEngine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
  await fixture?.close()
  fixture = undefined
})

const sql = (text: string, values?: unknown[]) =>
  schemaSql(db().pool, fixture?.connection.schema as string, text, values)

/**
 * Makes the adapter's `method` answer after twice the lease (the other calls, a pull's, answer at
 * once); resolves when the first such call arrives.
 */
function slowCalls(f: SyncFixture, method: 'create' | 'update'): Promise<void> {
  return new Promise((arrived) => {
    const original = f.adapter[method].bind(f.adapter) as (...args: unknown[]) => Promise<unknown>
    Object.assign(f.adapter, {
      [method]: async (...args: unknown[]) => {
        arrived()
        await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS))
        return original(...args)
      },
    })
  })
}

/** 600 app inserts, and an org whose creates answer after twice the lease. */
async function slowOrgWithBacklog() {
  const f = await syncFixture(db(), [account], options)
  fixture = f
  await sql(`INSERT INTO $schema.account (name) SELECT 'Row ' || g FROM generate_series(1, 600) g`)
  return { f, firstCreate: slowCalls(f, 'create') }
}

it('a round slower than the lease keeps its claims: a second worker sends nothing twice', async () => {
  const { f, firstCreate } = await slowOrgWithBacklog()
  const first = f.engine.syncOnce()
  await firstCreate
  // Past the lease of the round in flight and of the batch claimed ahead of it.
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 1.5))
  const second = new SyncEngine({ ...options, connection: f.connection, mappings: [account] })
  engines.push(second)
  const [a, b] = await Promise.all([first, second.syncOnce()])
  expect((a.pushes[0]?.succeeded ?? 0) + (b.pushes[0]?.succeeded ?? 0)).toBe(600)
  const names = f.org.all('Account').map((r) => r.Name)
  expect(names).toHaveLength(600)
  expect(new Set(names).size).toBe(600)
  const [{ unsynced }] = (await sql(
    'SELECT count(*)::int AS unsynced FROM $schema.account WHERE sfid IS NULL',
  )) as [{ unsynced: number }]
  expect(unsynced).toBe(0)
})

it('a batch claimed ahead that another worker took over meanwhile is not sent, nor given back', async () => {
  const { f, firstCreate } = await slowOrgWithBacklog()
  const push = f.engine.syncOnce()
  await firstCreate
  // While the first round waits for Salesforce: entries 201–400, claimed ahead, are taken over
  // by another worker (as when renewals failed for a lease): their claim is no longer this one's.
  await waitFor(async () => {
    const [{ ahead }] = (await sql(
      `SELECT count(*)::int AS ahead FROM $schema._trigger_log
       WHERE state = 'PENDING' AND record_id BETWEEN 201 AND 400`,
    )) as [{ ahead: number }]
    return ahead === 200
  })
  await sql(
    `UPDATE $schema._trigger_log SET processed_tx = 1, updated_at = now()
     WHERE state = 'PENDING' AND record_id BETWEEN 201 AND 400`,
  )
  // Waited on, the batch is older than a third of the lease: checked before it goes out.
  const report = await push
  expect(report.pushes[0]?.succeeded).toBe(400)
  const names = new Set(f.org.all('Account').map((r) => r.Name))
  expect(names.size).toBe(400)
  expect(names.has('Row 250')).toBe(false)
  // Still the other worker's, as it left them.
  const taken = await sql(
    `SELECT count(*)::int AS n FROM $schema._trigger_log
     WHERE state = 'PENDING' AND processed_tx = 1`,
  )
  expect(taken).toEqual([{ n: 200 }])
})

it("a record's later change waits behind an earlier one another worker took over", async () => {
  const f = await syncFixture(db(), [account], options)
  fixture = f
  await sql(`INSERT INTO $schema.account (name) SELECT 'Row ' || g FROM generate_series(1, 300) g`)
  await f.engine.syncOnce()
  // 200 edits, then row 250 renamed twice: the batch claimed ahead holds both of its changes.
  await sql(`UPDATE $schema.account SET name = name || ' v2' WHERE id <= 200`)
  await sql(`UPDATE $schema.account SET name = 'first' WHERE id = 250`)
  await sql(`UPDATE $schema.account SET name = 'second' WHERE id = 250`)
  const firstUpdate = slowCalls(f, 'update')
  const push = f.engine.syncOnce()
  await firstUpdate
  await waitFor(async () => {
    const rows = await sql(
      `SELECT count(*)::int AS n FROM $schema._trigger_log WHERE state = 'PENDING' AND record_id = 250`,
    )
    return rows[0]?.n === 2
  })
  // Another worker took over the first rename only, and renews its claim while it lives.
  await sql(
    `UPDATE $schema._trigger_log SET processed_tx = 1, updated_at = now()
     WHERE id = (SELECT min(id) FROM $schema._trigger_log WHERE record_id = 250)`,
  )
  const renewing = setInterval(() => {
    void sql('UPDATE $schema._trigger_log SET updated_at = now() WHERE processed_tx = 1').catch(
      () => {},
    )
  }, LEASE_MS / 5)
  try {
    await push
  } finally {
    clearInterval(renewing)
  }
  // The second rename was not sent before the first: it waits, NEW.
  const [row] = await sql('SELECT sfid FROM $schema.account WHERE id = 250')
  expect(f.org.get(row?.sfid as string)?.Name).toBe('Row 250')
  const log = await sql(
    'SELECT state, processed_tx::int AS tx FROM $schema._trigger_log WHERE record_id = 250 ORDER BY id',
  )
  expect(log).toEqual([
    { state: 'PENDING', tx: 1 },
    { state: 'NEW', tx: expect.anything() },
  ])
})

it('a failed round gives back only its own claims, not one another worker took meanwhile', async () => {
  const f = await syncFixture(db(), [account], options)
  fixture = f
  await sql(`INSERT INTO $schema.account (name) SELECT 'Row ' || g FROM generate_series(1, 3) g`)
  // The create call waits until row 2's entry is taken over, then fails as a whole (retryable):
  // the round gives its entries back to NEW.
  let inFlight: () => void = () => {}
  const sent = new Promise<void>((resolve) => {
    inFlight = resolve
  })
  let takenOver: () => void = () => {}
  const taken = new Promise<void>((resolve) => {
    takenOver = resolve
  })
  f.adapter.create = async () => {
    inFlight()
    await taken
    throw new SalesforceApiError('socket hang up', { errorCode: 'ECONNRESET', retryable: true })
  }
  const push = f.engine.syncOnce().catch((error: unknown) => error)
  await sent
  await sql(
    `UPDATE $schema._trigger_log SET processed_tx = 1, updated_at = now() WHERE record_id = 2`,
  )
  takenOver()
  expect(await push).toBeInstanceOf(SalesforceApiError)
  const log = await sql(
    `SELECT record_id, state, processed_tx::int = 1 AS theirs FROM $schema._trigger_log ORDER BY record_id`,
  )
  expect(log).toEqual([
    { record_id: 1, state: 'NEW', theirs: false },
    { record_id: 2, state: 'PENDING', theirs: true },
    { record_id: 3, state: 'NEW', theirs: false },
  ])
})

it('an answer that comes after another worker took the entry over leaves it, and its row, to that worker', async () => {
  const f = await syncFixture(db(), [account], options)
  fixture = f
  await sql(`INSERT INTO $schema.account (name) VALUES ('Row 1')`)
  await f.engine.syncOnce()
  await sql(`UPDATE $schema.account SET name = 'Row 1 v2'`)
  // The call is in flight when the lease runs out and another worker claims the entry.
  const update = f.adapter.update.bind(f.adapter) as (...args: unknown[]) => Promise<unknown>
  Object.assign(f.adapter, {
    update: async (...args: unknown[]) => {
      await sql(
        `UPDATE $schema._trigger_log SET processed_tx = 1, updated_at = now() WHERE state = 'PENDING'`,
      )
      return update(...args)
    },
  })
  await f.engine.syncOnce()
  // Still the other worker's claim, not archived SUCCESS under it (the record's next change
  // would otherwise be claimable while that worker still sends this one).
  expect(
    await sql(`SELECT action, state, processed_tx::int AS tx FROM $schema._trigger_log`),
  ).toEqual([{ action: 'UPDATE', state: 'PENDING', tx: 1 }])
  expect(
    await sql(
      `SELECT count(*)::int AS n FROM $schema._trigger_log_archive WHERE action = 'UPDATE'`,
    ),
  ).toEqual([{ n: 0 }])
  expect(await sql(`SELECT _hc_lastop FROM $schema.account`)).toEqual([{ _hc_lastop: 'PENDING' }])
})
