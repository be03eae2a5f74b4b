import { Connection } from '../../../src/connection/connection.js'
import type { EngineRunners } from '../../../src/engine/engine-runners.js'
import type { PgPoolLike } from '../../../src/postgres/pg-pool-like.js'
import type { SalesforceAdapter } from '../../../src/salesforce/salesforce-adapter.js'
import type { PullLeadership } from '../../../src/store/pull-leadership.js'
import { SyncStore } from '../../../src/store/sync-store.js'
import { accountDescribe } from '../../fixtures/describe-fixture.js'

/**
 * A pool that has no rows for any statement. The engine's unit tests never reach it on purpose:
 * what the engine asks of Postgres goes through `FakeStore`.
 */
function emptyPool(): PgPoolLike {
  const query = async () => ({ rows: [], rowCount: 0 })
  const client = { query, release: () => {}, on: () => {} }
  return {
    query,
    connect: async () => client,
    end: async () => {},
  } as Partial<PgPoolLike> as PgPoolLike
}

/**
 * A store that says the schema is installed and grants every pull lead at once (one engine alone
 * leads every mapping), recording the leads it handed out.
 */
export class FakeStore extends SyncStore {
  readonly leads: string[] = []

  constructor() {
    super(emptyPool(), 'salesforce')
  }

  override async checkInstalled(): Promise<void> {}

  override pullLeadership(onChange: (object: string, leader: boolean) => void): PullLeadership {
    const led = new Set<string>()
    const leads = this.leads
    const leadership: Pick<PullLeadership, 'leading' | 'lead' | 'release' | 'close'> = {
      get leading() {
        return led
      },
      async lead(object) {
        if (!led.has(object)) {
          led.add(object)
          leads.push(object)
          onChange(object, true)
        }
        return true
      },
      async release() {
        for (const object of led) onChange(object, false)
        led.clear()
      },
      async close() {
        await leadership.release()
      },
    }
    return leadership as PullLeadership
  }
}

/**
 * A Connection over fakes: describe answers the fixture Account, the org has no records (counts
 * and queries answer nothing); Postgres has no rows.
 */
export function fakeConnection(): Connection {
  const salesforce = {
    describe: async (name: string) => {
      if (name.toLowerCase() !== 'account')
        throw Object.assign(new Error('NOT_FOUND'), { errorCode: 'NOT_FOUND' })
      return accountDescribe
    },
    count: async () => 0,
    async *query() {},
    async *queryAll() {},
    close: async () => {},
  } as Partial<SalesforceAdapter> as SalesforceAdapter
  return new Connection({
    salesforce,
    pool: emptyPool(),
    schema: 'salesforce',
    ownsPool: false,
    ownsSalesforce: false,
  })
}

/**
 * Runners whose pulls can be held open, counting calls; each pull reports `keptUnsent`. `nextPullStart()` resolves when the next
 * pull begins, so a test waits for that event instead of for time to pass.
 */
export function fakeRunners(options: { keptUnsent?: number } = {}) {
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
          keptUnsent: options.keptUnsent ?? 0,
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
