import { beforeAll, expect, it } from 'vitest'
import type { PgClientLike, PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import { TriggerLogQueue } from '../../../src/store/trigger-log-queue.js'
import { useTestDatabase } from '../../support/test-database.js'
import { install, planAccount } from './install-helpers.js'

/**
 * A push round's claim and settle touch its entries and their rows by key, even when the planner's
 * statistics are stale: here the tables were analysed empty, then the app inserted 20 000 rows in
 * a moment (a new mapping's first minutes; autovacuum analyses later). Without being told, the
 * planner took the mapped table for a small one and read all of it at every settle
 * (docs/concepts/performance.md, "Push").
 */
const db = useTestDatabase()
const plan = planAccount()
const ROWS = 20_000

beforeAll(async () => {
  await install(db().pool, [plan])
  await db().pool.query('ANALYZE salesforce.account, salesforce._trigger_log')
  await db().pool.query(
    `INSERT INTO salesforce.account (name, external_id__c)
     SELECT 'App ' || g, 'K-' || g FROM generate_series(1, $1::int) g`,
    [ROWS],
  )
})

/**
 * A pool whose transactions count the whole-table reads of the log and the mapped table each of
 * their statements made (a backend's counts of the transaction under way stay its own until it
 * commits, so the difference across a statement is that statement's).
 */
function countingSeqScans(pool: PgPoolLike): { pool: PgPoolLike; seqScans: () => number } {
  let seqScans = 0
  const read = async (client: PgClientLike) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT coalesce(sum(seq_scan), 0) AS n FROM pg_stat_xact_user_tables
       WHERE schemaname = 'salesforce' AND relname IN ('account', '_trigger_log')`,
    )
    return Number(rows[0]?.n ?? 0)
  }
  const counted = (client: PgClientLike): PgClientLike =>
    new Proxy(client, {
      get(target, name) {
        if (name !== 'query') return Reflect.get(target, name, target)
        return async (...args: Parameters<PgClientLike['query']>) => {
          const query = target.query as (...a: unknown[]) => Promise<unknown>
          const text = typeof args[0] === 'string' ? args[0] : args[0].text
          if (/^(BEGIN|COMMIT|ROLLBACK)/.test(text)) return query.apply(target, args)
          const before = await read(target)
          const result = await query.apply(target, args)
          seqScans += (await read(target)) - before
          return result
        }
      },
    })
  return {
    pool: {
      query: (text: string, values?: readonly unknown[]) => pool.query(text, values),
      connect: async () => counted(await pool.connect()),
      end: () => pool.end(),
    } as PgPoolLike,
    seqScans: () => seqScans,
  }
}

it('claims and settles a round without reading the whole log or table', async () => {
  const counting = countingSeqScans(db().pool)
  const queue = new TriggerLogQueue({ pool: counting.pool, schema: 'salesforce', leaseMs: 60_000 })
  const claim = await queue.claim(plan, 200, 0, { refreshStatistics: false })
  expect(claim.entries).toHaveLength(200)
  await queue.settle(
    plan,
    claim.entries,
    claim.entries.map((entry, i) => ({
      entryId: entry.id,
      outcome: 'success' as const,
      sfid: `001${String(i).padStart(15, '0')}`,
    })),
  )
  const { rows } = await db().pool.query<{ synced: number; waiting: number }>(
    `SELECT (SELECT count(*)::int FROM salesforce.account WHERE sfid IS NOT NULL) AS synced,
            (SELECT count(*)::int FROM salesforce._trigger_log) AS waiting`,
  )
  expect(rows[0]).toEqual({ synced: 200, waiting: ROWS - 200 })
  expect(counting.seqScans()).toBe(0)
})
