import type { Connection } from '../connection/connection.js'
import { type ApiBudget, meteredRun } from '../engine/api-budget.js'
import type { DirectionRunner, RunControl } from '../engine/direction-runner.js'
import type { PullReport } from '../engine/sync-engine-events.js'
import type { ConflictEvent } from '../mappings/conflict-policy.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { withEngineTransaction } from '../postgres/engine-transaction.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { ChangeSignal } from '../sources/change-source.js'
import { bulkLoad, type LoadProgress } from './bulk-load.js'
import { applyHardDeletes } from './hard-deletes.js'
import { PageApplier, type PullCounts } from './page-applier.js'
import { type PullCursor, readPullCursor, stampOf, writePullCursor } from './pull-cursor.js'
import { type PullRecordFailure, readDueFailures } from './pull-failures.js'
import { byIdSoql, keysetSoql, PULL_PAGE_SIZE } from './pull-soql.js'
import { writeReplayIds } from './stream-cursor.js'

/** Options of {@link SalesforcePull}. @internal */
export interface SalesforcePullOptions {
  /** How far before the stored cursor each pull starts. @default 2000 */
  readonly lookbackMs?: number
  /** Least time between two `getDeleted` checks for hard deletes. @default 300 000 (5 minutes) */
  readonly hardDeleteIntervalMs?: number
  /** A first load of more records than this uses Bulk 2.0. @default 10 000 (Heroku Connect's) */
  readonly bulkThreshold?: number
  readonly onLoadStarted?: (event: { mapping: string; total: number; reload: boolean }) => void
  readonly onProgress?: (progress: LoadProgress) => void
  /** The daily API budget calls are taken from (and counted in). */
  readonly budget?: ApiBudget
  /** Told of each conflict, after the pull that resolved it committed. */
  readonly onConflict?: (conflict: ConflictEvent) => void
  /**
   * How long a record Postgres refused waits before a pull reads it again by id (it is attempted
   * at once when it changes in Salesforce). @default 600 000 (10 minutes)
   */
  readonly failureRetryMs?: number
  /** Told of each record Postgres refused, after the page that set it aside committed. */
  readonly onRecordFailed?: (mapping: string, failure: PullRecordFailure) => void
}

/**
 * Salesforce → Postgres for one mapping (docs/concepts/change-model.md). Records named by streaming hints, and
 * refused records whose retry is due, are re-read by id first; then the keyset cursor
 * `(SystemModstamp, Id)` is followed page by page with `queryAll` (so deletions, which bump
 * SystemModstamp, come along), each page applied and the cursor advanced in one engine
 * transaction. A failure leaves the cursor at the last committed page, so the next pull continues
 * from there and nothing is applied twice. A record Postgres refuses fails alone
 * ({@link PageApplier}): the rest of its page commits, and the cursor moves on.
 * @internal
 */
export class SalesforcePull implements DirectionRunner<PullReport> {
  private readonly connection: Connection
  private readonly options: SalesforcePullOptions

  constructor(connection: Connection, options: SalesforcePullOptions = {}) {
    this.connection = connection
    this.options = options
  }

  async run(
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<PullReport> {
    return meteredRun(
      this.options.budget,
      plan.object,
      this.connection.salesforce,
      control.abandon,
      async (sf) => {
        const started = Date.now()
        const counts: PullCounts = { inserted: 0, updated: 0, deleted: 0, failed: 0 }
        const report = () => ({
          mapping: plan.object,
          inserted: counts.inserted,
          updated: counts.updated,
          deleted: counts.deleted,
          failed: counts.failed,
          apiCalls: sf.calls,
          durationMs: Date.now() - started,
        })
        try {
          await this.pull(plan, hints, control.signal, sf, counts)
        } catch (error) {
          // Stopping: every page applied so far is committed with its cursor; the rest waits.
          if (control.signal.aborted) return report()
          throw error
        }
        return report()
      },
    )
  }

  private async pull(
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    signal: AbortSignal,
    salesforce: SalesforceAdapter,
    counts: PullCounts,
  ): Promise<void> {
    const { pool, schema } = this.connection
    const failures = await readDueFailures(pool, schema, plan.mapping.table, PULL_PAGE_SIZE)
    const reload = hints.some((h) => h.reason === 'reload')
    const pages = new PageApplier(schema, plan, {
      knownFailures: failures.any,
      retryMs: this.options.failureRetryMs ?? 600_000,
      retryAll: reload,
      onConflict: this.options.onConflict,
      onRecordFailed: (failure) => this.options.onRecordFailed?.(plan.object, failure),
    })
    // Records named by streaming hints, and refused records whose retry is due, by id.
    const byId = [...new Set([...hints.flatMap((h) => h.recordIds ?? []), ...failures.due])]
    for (let i = 0; i < byId.length; i += 200) {
      signal.throwIfAborted()
      const ids = byId.slice(i, i + 200)
      const records = await collect(salesforce.queryAll(byIdSoql(plan, ids)))
      add(counts, await this.apply(pages, records, undefined, ids))
    }
    // Start a little before the stored cursor: SystemModstamp has second precision, so a record
    // changed again within the cursor's second keeps its stamp, and Salesforce can commit a
    // transaction with a stamp just before records already read. Re-read rows are no-ops.
    const stored = await this.readCursor(plan)
    // Streaming hints name their records: re-reading those was the whole pull (polling stays the
    // safety net). Any other reason (poll, reconnect, gap, overflow) follows the cursor.
    const onlyNamedRecords =
      hints.length > 0 &&
      hints.every((h) => h.reason === 'stream' && (h.recordIds?.length ?? 0) > 0)
    let cursor: PullCursor | undefined = stored && {
      systemModstamp: new Date(
        Date.parse(stored.systemModstamp) - (this.options.lookbackMs ?? 2000),
      ).toISOString(),
      id: '',
    }
    // A first load, or a reload, of more records than the threshold goes through Bulk 2.0; the
    // keyset loop below then catches what changed while it ran.
    if (reload || (!stored && !onlyNamedRecords)) {
      const where = plan.mapping.where ? ` WHERE ${plan.mapping.where}` : ''
      const total = await salesforce.count(`SELECT COUNT() FROM ${plan.object}${where}`)
      if (reload || total > (this.options.bulkThreshold ?? 10_000)) {
        this.options.onLoadStarted?.({ mapping: plan.object, total, reload })
        add(
          counts,
          await bulkLoad(this.connection, plan, {
            salesforce,
            since: undefined,
            reload,
            total,
            onProgress: this.options.onProgress,
            pages,
            signal,
          }),
        )
        const loaded = await this.readCursor(plan)
        cursor = loaded && { systemModstamp: loaded.systemModstamp, id: loaded.id }
      }
    }
    let switched = !stored
    while (!onlyNamedRecords) {
      signal.throwIfAborted()
      const page = await collect(salesforce.queryAll(keysetSoql(plan, cursor, PULL_PAGE_SIZE)))
      const last = page.at(-1)
      if (!last) break
      cursor = { systemModstamp: stampOf(last), id: String(last.Id) }
      add(counts, await this.apply(pages, page, cursor))
      if (page.length < PULL_PAGE_SIZE) break
      if (!switched) {
        // A full first page: if many more changes wait (a long outage, a mass update), read the
        // rest through Bulk 2.0 instead of page after page of REST.
        switched = true
        const filter = plan.mapping.where ? ` AND (${plan.mapping.where})` : ''
        const remaining = await salesforce.count(
          `SELECT COUNT() FROM ${plan.object} WHERE SystemModstamp >= ${cursor.systemModstamp}${filter}`,
        )
        if (remaining > (this.options.bulkThreshold ?? 10_000)) {
          this.options.onLoadStarted?.({ mapping: plan.object, total: remaining, reload: false })
          add(
            counts,
            await bulkLoad(this.connection, plan, {
              salesforce,
              since: cursor,
              reload: false,
              total: remaining,
              onProgress: this.options.onProgress,
              pages,
              signal,
            }),
          )
          const loaded = await this.readCursor(plan)
          cursor = loaded && { systemModstamp: loaded.systemModstamp, id: loaded.id }
        }
      }
    }
    // Hard deletes (purged records) never show in queryAll: getDeleted finds them, every few minutes.
    if (!onlyNamedRecords && stored) {
      counts.deleted += await applyHardDeletes(
        this.connection,
        salesforce,
        plan,
        this.options.hardDeleteIntervalMs ?? 300_000,
      )
    }
    // Everything up to now is applied: the replay ids of the events behind this pull can be stored.
    const replayIds = new Map<string, number>()
    for (const hint of hints) {
      if (hint.channel && hint.replayId !== undefined) {
        replayIds.set(
          hint.channel,
          Math.max(hint.replayId, replayIds.get(hint.channel) ?? -Infinity),
        )
      }
    }
    if (replayIds.size > 0) {
      await withEngineTransaction(this.connection.pool, (client) =>
        writeReplayIds(client, this.connection.schema, plan.mapping.table, replayIds),
      )
    }
  }

  private async readCursor(plan: MappingSchema): Promise<PullCursor | undefined> {
    const client = await this.connection.pool.connect()
    try {
      return await readPullCursor(client, this.connection.schema, plan.mapping.table)
    } finally {
      client.release()
    }
  }

  /** Applies a page and moves the cursor in one transaction; reports after the commit. */
  private async apply(
    pages: PageApplier,
    records: readonly SObjectRecord[],
    cursor: PullCursor | undefined,
    requested?: readonly string[],
  ): Promise<PullCounts> {
    const { schema } = this.connection
    const outcome = await withEngineTransaction(this.connection.pool, async (client) => {
      const applied = await pages.apply(client, records, requested)
      if (cursor) await writePullCursor(client, schema, pages.table, cursor)
      return applied
    })
    pages.committed(outcome)
    return { ...outcome.counts, failed: outcome.failed.length }
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

function add(total: PullCounts, more: PullCounts): void {
  total.inserted += more.inserted
  total.updated += more.updated
  total.deleted += more.deleted
  total.failed += more.failed
}
