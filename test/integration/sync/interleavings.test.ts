import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { SyncEngine } from '../../../src/engine/sync-engine.js'
import { isRetryable } from '../../../src/errors/retry-policy.js'
import type { ConflictEvent } from '../../../src/mappings/conflict-policy.js'
import { defineMapping } from '../../../src/mappings/define-mapping.js'
import { type SyncFixture, syncFixture } from '../../support/sync-fixture.js'
import { useTestDatabase } from '../../support/test-database.js'

// Random interleavings of app writes, Salesforce writes and two engines syncing at once, with
// Salesforce answering slowly so pulls and pushes overlap with writes and with each other. Both
// sides must end equal, every record once on each side, and no write may be lost unless a later
// write superseded it or a reported conflict decision dropped it. One window is Heroku Connect's
// too and is allowed: a Salesforce change made while pgforce's push of an earlier Postgres change
// of the record is on its way is overwritten by that push (arrival order; see
// docs/concepts/delivery-guarantees.md).
const db = useTestDatabase()
const mapping = (conflictPolicy: 'last-writer-wins' | 'salesforce-wins' | 'postgres-wins') =>
  defineMapping({
    object: 'Account',
    access: 'read_write',
    fields: ['Name', 'Industry', 'External_Id__c'],
    externalId: 'External_Id__c',
    conflictPolicy,
  })
const KEYS = 4

type Step =
  | { readonly kind: 'app-update' | 'sf-update'; readonly key: number }
  | { readonly kind: 'app-insert' | 'sf-insert' }
  | { readonly kind: 'sync-a' | 'sync-b' }
  | { readonly kind: 'pause'; readonly ms: number }
  /** Salesforce's clock moves to a later second (its stamps have second precision). */
  | { readonly kind: 'tick' }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('app-update' as const, 'sf-update' as const),
    key: fc.integer({ min: 0, max: KEYS - 1 }),
  }),
  fc.record({ kind: fc.constantFrom('app-insert' as const, 'sf-insert' as const) }),
  fc.record({ kind: fc.constantFrom('sync-a' as const, 'sync-b' as const) }),
  fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('tick' as const) }),
)

/** The last write of each side to a record: its value and when it was made. */
interface LastWrites {
  app?: { value: string; at: number }
  sf?: { value: string; at: number }
}

let fixture: SyncFixture | undefined
afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

async function run(
  steps: readonly Step[],
  latencyMs: number,
  policy: Parameters<typeof mapping>[0],
): Promise<void> {
  const account = mapping(policy)
  const f = await syncFixture(db(), [account])
  fixture = f
  const { schema } = f.connection
  const second = new SyncEngine({ connection: f.connection, mappings: [account], sources: [] })
  const conflicts: ConflictEvent[] = []
  for (const engine of [f.engine, second]) engine.on('conflict', (c) => conflicts.push(c))
  const writes = new Map<string, LastWrites>()
  /** Every value written in Salesforce by someone other than pgforce. */
  const salesforceValues = new Set<unknown>()
  const sql = (text: string, values: unknown[] = []) =>
    db().pool.query(text.replaceAll('$schema', `"${schema}"`), values)
  // Who wrote each record's Industry last in Salesforce, in the org's own order.
  const lastWriterInSalesforce = new Map<string, 'pgforce' | 'other'>()
  const stopListening = f.org.events.subscribe('/data/AccountChangeEvent', (event) => {
    const header = (event.data.payload as { ChangeEventHeader?: Record<string, unknown> })
      ?.ChangeEventHeader as
      | {
          recordIds?: string[]
          changeOrigin?: string
          changedFields?: string[]
          changeType?: string
        }
      | undefined
    if (!header?.recordIds) return
    if (header.changeType !== 'CREATE' && !header.changedFields?.includes('Industry')) return
    const writer = header.changeOrigin?.includes('client=pgforce') ? 'pgforce' : 'other'
    for (const id of header.recordIds) lastWriterInSalesforce.set(id, writer)
  })
  const ids = f.org.insert(
    'Account',
    Array.from({ length: KEYS }, (_, k) => ({
      Name: `K-${k}`,
      Industry: 'init',
      External_Id__c: `K-${k}`,
    })),
  )
  await f.engine.syncOnce()
  f.org.faults.setLatency(latencyMs)
  const running = new Map<string, Promise<void>>()
  const errors: unknown[] = []
  const sync = (name: string, engine: SyncEngine) => {
    if (running.has(name)) return
    running.set(
      name,
      engine
        .syncOnce()
        .then(
          () => {},
          (error: unknown) => void errors.push(error),
        )
        .finally(() => running.delete(name)),
    )
  }
  let counter = 0
  for (const s of steps) {
    counter += 1
    const value = `v${counter}`
    if (s.kind === 'app-update') {
      await sql(`UPDATE $schema.account SET industry = $1 WHERE external_id__c = $2`, [
        value,
        `K-${s.key}`,
      ])
      writes.set(`K-${s.key}`, {
        ...writes.get(`K-${s.key}`),
        app: { value, at: performance.now() },
      })
    } else if (s.kind === 'sf-update') {
      f.org.modify('Account', ids[s.key] as string, { Industry: value })
      salesforceValues.add(value)
      writes.set(`K-${s.key}`, {
        ...writes.get(`K-${s.key}`),
        sf: { value, at: performance.now() },
      })
    } else if (s.kind === 'app-insert') {
      await sql(
        `INSERT INTO $schema.account (name, industry, external_id__c) VALUES ($1, $1, $1)`,
        [`P-${counter}`],
      )
      writes.set(`P-${counter}`, { app: { value: `P-${counter}`, at: performance.now() } })
    } else if (s.kind === 'sf-insert') {
      f.org.insert('Account', [
        { Name: `S-${counter}`, Industry: `S-${counter}`, External_Id__c: `S-${counter}` },
      ])
      writes.set(`S-${counter}`, { sf: { value: `S-${counter}`, at: performance.now() } })
    } else if (s.kind === 'sync-a') sync('a', f.engine)
    else if (s.kind === 'sync-b') sync('b', second)
    else if (s.kind === 'pause') await new Promise((resolve) => setTimeout(resolve, s.ms))
    else f.org.clock.advance(1_000)
  }
  while (running.size > 0) await Promise.all([...running.values()])
  // Failures while things overlapped must be ones the engine retries (e.g. a pull waiting for an
  // insert fence); the passes below then finish the job.
  for (const error of errors) expect(isRetryable(error), String(error)).toBe(true)
  f.org.faults.setLatency(0)
  for (let pass = 0; pass < 4; pass += 1) await f.engine.syncOnce()

  stopListening()
  const rows = (
    await sql(`SELECT external_id__c AS key, industry, sfid FROM $schema.account ORDER BY 1`)
  ).rows as { key: string; industry: string | null; sfid: string | null }[]
  const records = f.org
    .all('Account')
    .map((r) => ({ key: String(r.External_Id__c), industry: r.Industry ?? null, sfid: r.Id }))
    .sort((a, b) => a.key.localeCompare(b.key))
  // Both sides equal, each record once on each side, nothing left waiting.
  expect(rows).toEqual(records)
  expect((await sql(`SELECT state FROM $schema._trigger_log`)).rows).toEqual([])
  // A conflict needs a change by someone else in Salesforce: the value Salesforce holds must be
  // one written there by "someone else" (this test), never one pgforce pushed.
  for (const conflict of conflicts) {
    const key = String(conflict.salesforce.External_Id__c)
    expect(salesforceValues, `${key}: conflict over pgforce's own write`).toContain(
      conflict.salesforce.Industry,
    )
  }
  for (const { key, industry, sfid } of rows) {
    const last = writes.get(key)
    if (!last) {
      expect(industry, key).toBe('init')
      continue
    }
    // The final value is a side's last write, never an older one…
    expect([last.app?.value, last.sf?.value], key).toContain(industry)
    // …and a side's last write is gone only if the other side wrote later or a conflict decided.
    const decided = (winner: string) =>
      conflicts.some((c) => c.salesforce.External_Id__c === key && c.winner === winner)
    if (last.app && industry !== last.app.value)
      expect(
        decided('salesforce') || (last.sf?.at ?? 0) > last.app.at,
        `${key}: app write lost`,
      ).toBe(true)
    const overwrittenByPush = sfid !== null && lastWriterInSalesforce.get(sfid) === 'pgforce'
    if (last.sf && industry !== last.sf.value)
      expect(
        decided('postgres') || (last.app?.at ?? 0) > last.sf.at || overwrittenByPush,
        `${key}: Salesforce write lost`,
      ).toBe(true)
  }
}

describe('interleavings of writes and syncs', () => {
  it('end with both sides equal and no write lost without a reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 8, maxLength: 30 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(
          'last-writer-wins' as const,
          'salesforce-wins' as const,
          'postgres-wins' as const,
        ),
        async (steps, latencyMs, policy) => {
          try {
            await run(steps, latencyMs, policy)
          } finally {
            await fixture?.close()
            fixture = undefined
          }
        },
      ),
      { numRuns: Number(process.env.PGFORCE_PROPERTY_RUNS ?? 12) },
    )
  }, 120_000)
})
