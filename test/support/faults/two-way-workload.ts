import type pg from 'pg'
import type { InMemoryOrg } from '../../../src/testing/org/in-memory-org.js'
import type { ExpectedState } from '../worker-cluster/convergence.js'

/** Options of {@link TwoWayWorkload}. */
export interface TwoWayWorkloadOptions {
  /** The app's own pool (not pgforce's): its writes are what pgforce must carry over. */
  readonly pool: pg.Pool
  readonly schema: string
  /** The org, written to as a Salesforce user would (no API calls, no injected faults). */
  readonly org: InMemoryOrg
  /** Rounds per second; each round makes four changes (an insert and an update per side). */
  readonly roundsPerSecond: number
  /** Fill `external_id__c` of Postgres rows (the mapping's external id). @default true */
  readonly externalId?: boolean
  /** How long an app write to Postgres is retried while the server is unreachable. @default 30 000 */
  readonly writeRetryMs?: number
}

/**
 * The two-way workload of the reliability experiments (findings-2026-11/reliability.md,
 * "TwoWayWorkload"): rounds at a steady rate, each inserting a row in Postgres and a record in
 * Salesforce and updating one earlier item on each side. A record is only ever changed on the side
 * it was made on, so every record has one last value to look for. Postgres writes are retried
 * while the server is down (as an app would) and written so that a retry cannot make a second
 * row. It remembers what it wrote for {@link checkConvergence}.
 */
export class TwoWayWorkload {
  /** Rows made in Postgres: name → last industry written. */
  readonly expectedPostgres = new Map<string, string>()
  /** Records made in Salesforce: Id → last industry written. */
  readonly expectedSalesforce = new Map<string, string>()
  readonly namesById = new Map<string, string>()
  /** Postgres writes that failed and were tried again. */
  appWriteRetries = 0
  private readonly options: TwoWayWorkloadOptions
  private readonly salesforceIds: string[] = []
  private round = 0
  private running: Promise<void> | undefined
  private stopping = false

  constructor(options: TwoWayWorkloadOptions) {
    this.options = options
  }

  /** Rounds completed so far. */
  get rounds(): number {
    return this.round
  }

  /** What was written, for `checkConvergence`. */
  get expected(): ExpectedState {
    const { schema, pool, org } = this.options
    return {
      schema,
      pool,
      org,
      expectedPostgres: this.expectedPostgres,
      expectedSalesforce: this.expectedSalesforce,
      namesById: this.namesById,
    }
  }

  /** Creates `count` Salesforce records up front (before or while pgforce loads them). */
  seedSalesforce(count: number, prefix = 'seed'): string[] {
    const ids = this.options.org.insert(
      'Account',
      Array.from({ length: count }, (_, i) => ({ Name: `${prefix}-${i}`, Industry: 'v-seed' })),
    )
    ids.forEach((id, i) => {
      this.expectedSalesforce.set(id, 'v-seed')
      this.namesById.set(id, `${prefix}-${i}`)
    })
    return ids
  }

  /** Changes a record made in Salesforce, as a Salesforce user would (and remembers it). */
  updateSalesforce(id: string, industry: string): void {
    this.options.org.modify('Account', id, { Industry: industry })
    this.expectedSalesforce.set(id, industry)
  }

  /** Ids of the records made in Salesforce by the rounds, oldest first. */
  get salesforceRecordIds(): readonly string[] {
    return this.salesforceIds
  }

  /** Starts the rounds in the background. */
  start(): void {
    if (this.running) return
    this.stopping = false
    this.running = this.loop()
  }

  /** Stops after the round in flight; rejects if a round failed for good. */
  async stop(): Promise<void> {
    this.stopping = true
    const running = this.running
    this.running = undefined
    await running
  }

  /** Runs rounds until `rounds` more have completed. */
  async untilRounds(more: number): Promise<void> {
    const target = this.round + more
    while (this.round < target && this.running) await sleep(20)
  }

  private async loop(): Promise<void> {
    const started = Date.now()
    const first = this.round
    const roundMs = 1000 / this.options.roundsPerSecond
    while (!this.stopping) {
      await this.oneRound()
      const next = started + (this.round - first) * roundMs
      await sleep(Math.max(0, next - Date.now()))
    }
  }

  private async oneRound(): Promise<void> {
    const { org } = this.options
    const round = this.round
    const value = `v${round}`
    const pgName = `pg-${round}`
    const withKey = this.options.externalId ?? true
    await this.sql(
      `INSERT INTO $schema.account (name, industry${withKey ? ', external_id__c' : ''})
       SELECT $1::varchar, $2::varchar${withKey ? ', $1::varchar' : ''}
       WHERE NOT EXISTS (SELECT 1 FROM $schema.account WHERE name = $1::varchar)`,
      [pgName, value],
    )
    this.expectedPostgres.set(pgName, value)
    const [id] = org.insert('Account', [{ Name: `sf-${round}`, Industry: value }])
    if (id) {
      this.expectedSalesforce.set(id, value)
      this.namesById.set(id, `sf-${round}`)
      this.salesforceIds.push(id)
    }
    // Update an earlier record on each side (never the same record on both sides).
    const earlier = Math.floor(Math.random() * (round + 1))
    await this.sql('UPDATE $schema.account SET industry = $1 WHERE name = $2', [
      `${value}u`,
      `pg-${earlier}`,
    ])
    this.expectedPostgres.set(`pg-${earlier}`, `${value}u`)
    const target = this.salesforceIds[earlier]
    if (target) {
      org.modify('Account', target, { Industry: `${value}u` })
      this.expectedSalesforce.set(target, `${value}u`)
    }
    this.round += 1
  }

  /** One app statement, retried while Postgres is unreachable (each is safe to repeat). */
  private async sql(text: string, values: unknown[]): Promise<void> {
    const { pool, schema } = this.options
    const deadline = Date.now() + (this.options.writeRetryMs ?? 30_000)
    for (;;) {
      try {
        await pool.query(text.replaceAll('$schema', `"${schema}"`), values)
        return
      } catch (error) {
        if (Date.now() > deadline) throw error
        this.appWriteRetries += 1
        await sleep(100)
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
