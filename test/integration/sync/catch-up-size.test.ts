import { afterEach, expect, it } from 'vitest'
import { createConnection } from '../../../src/connection/create-connection.js'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import type { QueryOptions } from '../../../src/salesforce/salesforce-adapter.js'
import { InMemoryOrg, InMemorySalesforceAdapter } from '../../../src/testing.js'
import { useTestDatabase } from '../../support/test-database.js'

// A catch-up past its first page decides between REST and Bulk 2.0 by how much follows: from the
// first answer's totalSize, or, with an adapter that does not tell it, with one COUNT() call.
const db = useTestDatabase()
const account = defineMapping({ object: 'Account', fields: ['Name', 'Industry'] })
const closing: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closing.splice(0)) await close()
})

async function caughtUp(tellsTotalSize: boolean, bulkThreshold: number) {
  const org = new InMemoryOrg()
  const ids = org.insert(
    'Account',
    Array.from({ length: 2_500 }, (_, i) => ({ Name: `A${i}` })),
  ) as string[]
  const adapter = new InMemorySalesforceAdapter(org)
  let counts = 0
  const salesforce = new Proxy(adapter, {
    get(target, name) {
      if (name === 'count')
        return (soql: string) => {
          counts += 1
          return target.count(soql)
        }
      if (name === 'queryAll' && !tellsTotalSize)
        return (soql: string, options: QueryOptions = {}) =>
          target.queryAll(soql, { ...options, onTotalSize: undefined })
      const value: unknown = Reflect.get(target, name, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const connection = await createConnection({
    salesforce,
    postgres: db().pool,
    schema: `catch_up_${tellsTotalSize}_${bulkThreshold}`,
  })
  const engine = new SyncEngine({
    connection,
    mappings: [account],
    sources: [],
    tuning: { pull: { bulkThreshold } },
  })
  closing.push(() => connection.close())
  await engine.install()
  await engine.syncOnce()
  // All 2 500 changes in one org instant, however long they take on a loaded machine (spread
  // over two seconds, a COUNT() from the first page's last stamp counts fewer).
  org.clock.freeze(new Date(org.clock.now().getTime() + 1_000))
  for (const id of ids) org.modify('Account', id, { Industry: 'Energy' })
  org.clock.unfreeze()
  const loads: unknown[] = []
  engine.on('load:started', (e) => loads.push(e))
  counts = 0
  const report = await engine.syncOnce()
  const { rows } = await db().pool.query(
    `SELECT count(*)::int AS n FROM "${connection.schema}".account WHERE industry = 'Energy'`,
  )
  return { loads, counts, updated: report.pulls[0]?.updated, energy: rows[0]?.n }
}

it('goes on with REST when what follows the first page is under the threshold, counting nothing', async () => {
  const run = await caughtUp(true, 10_000)
  expect(run).toEqual({ loads: [], counts: 0, updated: 2_500, energy: 2_500 })
})

it('switches to Bulk 2.0 for what follows when it is over the threshold, from totalSize alone', async () => {
  const run = await caughtUp(true, 100)
  expect(run.loads).toEqual([expect.objectContaining({ mapping: 'Account', total: 500 })])
  expect(run).toMatchObject({ counts: 0, updated: 2_500, energy: 2_500 })
})

it('counts what follows with one COUNT() when the adapter does not tell the total size', async () => {
  const run = await caughtUp(false, 100)
  // COUNT() counts from the cursor's instant, and all 2 500 changed within it: an upper bound.
  expect(run.loads).toEqual([expect.objectContaining({ mapping: 'Account', total: 2_500 })])
  expect(run).toMatchObject({ counts: 1, updated: 2_500, energy: 2_500 })
})
