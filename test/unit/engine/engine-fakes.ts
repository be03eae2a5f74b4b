import { Connection } from '../../../src/connection/connection.js'
import type { EngineRunners } from '../../../src/engine/engine-runners.js'
import { SCHEMA_VERSION } from '../../../src/postgres/install/migrations.js'
import type { PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import { accountDescribe } from '../../fixtures/describe-fixture.js'

/** A Connection over fakes: describe answers the fixture Account, Postgres is never touched. */
export function fakeConnection(): Connection {
  const salesforce = {
    describe: async (name: string) => {
      if (name.toLowerCase() !== 'account')
        throw Object.assign(new Error('NOT_FOUND'), { errorCode: 'NOT_FOUND' })
      return accountDescribe
    },
    close: async () => {},
  } as Partial<SalesforceAdapter> as SalesforceAdapter
  // Postgres that accepts every statement and returns no rows (install() runs against it), says
  // the schema is installed for the Account mapping, and grants every pull-leadership lock: one
  // engine alone leads every mapping.
  const query = async (text: string | { text: string }) => {
    const sql = String(text)
    if (sql.includes('pg_try_advisory_lock')) return { rows: [{ locked: true }], rowCount: 1 }
    if (sql.includes('to_regclass')) return { rows: [{ installed: true }], rowCount: 1 }
    if (sql.includes('AS version')) {
      const columns = ['sfid', 'id', 'systemmodstamp', 'isdeleted', 'createddate', 'name']
      const mappings = [{ table: 'account', columns: columns.map((column) => ({ column })) }]
      return { rows: [{ version: SCHEMA_VERSION, mappings }], rowCount: 1 }
    }
    return { rows: [], rowCount: 0 }
  }
  const client = { query, release: () => {}, on: () => {} }
  const pool = {
    query,
    connect: async () => client,
    end: async () => {},
  } as Partial<PgPoolLike> as PgPoolLike
  return new Connection({
    salesforce,
    pool,
    schema: 'salesforce',
    ownsPool: false,
    ownsSalesforce: false,
  })
}

/**
 * Runners whose pulls can be held open, counting calls. `nextPullStart()` resolves when the next
 * pull begins, so a test waits for that event instead of for time to pass.
 */
export function fakeRunners() {
  const calls: string[] = []
  let hold: Promise<void> | undefined
  const pullStartWaiters: (() => void)[] = []
  const runners: EngineRunners = {
    pull: {
      run: async (plan) => {
        calls.push(`pull:${plan.object}`)
        for (const started of pullStartWaiters.splice(0)) started()
        await hold
        calls.push(`pull-done:${plan.object}`)
        return {
          direction: 'pull' as const,
          mapping: plan.object,
          inserted: 0,
          updated: 0,
          deleted: 0,
          failed: 0,
          durationMs: 0,
        }
      },
    },
    push: {
      run: async (plan) => {
        calls.push(`push:${plan.object}`)
        return {
          direction: 'push' as const,
          mapping: plan.object,
          strategy: 'fake',
          sent: 0,
          succeeded: 0,
          failed: 0,
          heldBack: 0,
          durationMs: 0,
        }
      },
    },
  }
  return {
    runners,
    calls,
    holdPulls(until: Promise<void>) {
      hold = until
    },
    /** Resolves when the next pull starts; ask before causing it. */
    nextPullStart(): Promise<void> {
      return new Promise((resolve) => pullStartWaiters.push(resolve))
    },
  }
}
