import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeCapture } from '../runs/change-event.js'
import type { DirectionRunner, RunContext } from '../runs/direction-runner.js'
import type { Emit } from '../runs/emit.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { ChangeSignal } from '../sources/change-source.js'
import type { CursorStore, PullCursor, ReplayPosition } from '../store/cursors.js'
import type { SyncStore } from '../store/sync-store.js'
import { backfillColumns } from './backfill-columns.js'
import { bulkLoad } from './bulk-load.js'
import { applyHardDeletes } from './hard-deletes.js'
import { PAGE_SAVEPOINT, PageApplier, type PullCounts } from './page-applier.js'
import type { PullEvents } from './pull-events.js'
import type { PullReport } from './pull-report.js'
import { byIdSoql, countSoql, keysetSoql, PULL_PAGE_SIZE } from './pull-soql.js'
import { stampOf } from './record-field.js'

/**
 * Most Bulk 2.0 query jobs one load is split into: each job costs a create and a poll on top of
 * its pages, so a very large load gets larger jobs rather than more of them.
 */
export const MAX_BULK_JOBS = 8

/** How pulls behave, resolved once with the engine's options (`tuning`). @internal */
export interface PullTuning {
  /** How far before the stored cursor each pull starts. */
  readonly lookbackMs: number
  /** Least time between two `getDeleted` checks for hard deletes. */
  readonly hardDeleteIntervalMs: number
  /** A first load or a catch-up of more records than this uses Bulk 2.0. */
  readonly bulkThreshold: number
  /** Records per Bulk 2.0 load batch written to Postgres in one transaction. */
  readonly bulkBatchSize: number
  /** Records per Bulk 2.0 result page (`maxRecords`): one API call each. */
  readonly bulkPageSize: number
  /**
   * Records per Bulk 2.0 query job: a larger load is split by Id range into jobs of about this
   * size (at most {@link MAX_BULK_JOBS}), read in order while the next ones are processed.
   */
  readonly bulkChunkSize: number
  /** Bulk 2.0 query jobs of one split load running at a time. */
  readonly bulkParallelism: number
  /** Batches of a Bulk 2.0 load written to Postgres at a time, each in its own transaction. */
  readonly bulkWriters: number
  /**
   * How long a record Postgres refused waits before a pull reads it again by id (it is attempted
   * at once when it changes in Salesforce).
   */
  readonly failureRetryMs: number
}

/** Options of {@link SalesforcePull}. @internal */
export interface SalesforcePullOptions {
  /** pgforce's bookkeeping in the connection's schema. */
  readonly store: SyncStore
  readonly tuning: PullTuning
  /** Where loads, conflicts, refused records and changes are reported. */
  readonly emit: Emit<PullEvents>
  /** Whether anyone listens to `change`; nobody when omitted. */
  readonly changes?: ChangeCapture
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
  private readonly store: SyncStore
  private readonly tuning: PullTuning
  private readonly emit: Emit<PullEvents>
  private readonly changes: ChangeCapture

  constructor(options: SalesforcePullOptions) {
    this.store = options.store
    this.tuning = options.tuning
    this.emit = options.emit
    this.changes = options.changes ?? (() => undefined)
  }

  async run(
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    context: RunContext,
  ): Promise<Omit<PullReport, 'apiCalls'>> {
    const started = Date.now()
    const counts: PullCounts = { inserted: 0, updated: 0, deleted: 0, failed: 0 }
    try {
      await this.pull(plan, hints, context, counts)
    } catch (error) {
      // Stopping: every page applied so far is committed with its cursor; the rest waits.
      if (!context.signal.aborted) throw error
    }
    return {
      direction: 'pull',
      mapping: plan.object,
      inserted: counts.inserted,
      updated: counts.updated,
      deleted: counts.deleted,
      failed: counts.failed,
      keptUnsent: counts.keptUnsent ?? 0,
      ...(counts.awaitingPush?.length ? { awaitingPush: counts.awaitingPush } : {}),
      ...(counts.recheckInMs === undefined ? {} : { recheckInMs: counts.recheckInMs }),
      durationMs: Date.now() - started,
    }
  }

  private async pull(
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    context: RunContext,
    counts: PullCounts,
  ): Promise<void> {
    const { salesforce, signal } = context
    const failures = await this.store.pullFailures.due(plan.mapping.table, PULL_PAGE_SIZE)
    // Records an earlier pull read while a push of theirs was in flight, due to be read again.
    const rechecks = await this.store.pullRechecks.due(plan.mapping.table, PULL_PAGE_SIZE)
    const reload = hints.some((h) => h.reason === 'reload')
    // Before anything is read: a push that settles after this may have replaced what is read.
    const settledSinceMs =
      plan.mapping.access === 'read_write' ? await this.store.cursors.databaseNowMs() : undefined
    const pages = new PageApplier(plan, {
      settledSinceMs,
      knownFailures: failures.any,
      knownRechecks: rechecks.any,
      retryMs: this.tuning.failureRetryMs,
      retryAll: reload,
      onConflict: (conflict) => this.emit('conflict', conflict),
      onRecordFailed: (failure) =>
        this.emit('pull:record-failed', {
          mapping: plan.object,
          sfid: failure.sfid,
          error: { sqlState: failure.sqlState, message: failure.message },
          attempts: failure.attempts,
        }),
      changes: this.changes,
      onChange: (change) => this.emit('change', change),
    })
    const onlyNamedRecords = readsOnlyNamedRecords(hints)
    // The replay ids of the events behind this pull: stored with the last records they cover.
    const replayIds = streamPositions(hints)
    let replayIdsStored = false
    // Records named by streaming hints, and refused records whose retry is due, by id.
    const byId = [
      ...new Set([...hints.flatMap((h) => h.recordIds ?? []), ...failures.due, ...rechecks.due]),
    ]
    for (let i = 0; i < byId.length; i += 200) {
      signal.throwIfAborted()
      const ids = byId.slice(i, i + 200)
      const records = await collect(salesforce.queryAll(byIdSoql(plan, ids)))
      const last = onlyNamedRecords && i + 200 >= byId.length
      add(counts, await this.apply(pages, records, undefined, ids, last ? replayIds : undefined))
      replayIdsStored ||= last
    }
    // Start a little before the stored cursor: SystemModstamp has second precision, so a record
    // changed again within the cursor's second keeps its stamp, and Salesforce can commit a
    // transaction with a stamp just before records already read. Re-read rows are no-ops.
    const stored = await this.readCursor(plan)
    let cursor: PullCursor | undefined = stored && {
      systemModstamp: new Date(
        Date.parse(stored.systemModstamp) - this.tuning.lookbackMs,
      ).toISOString(),
      id: '',
    }
    // A first load, or a reload, of more records than the threshold goes through Bulk 2.0; the
    // REST query below then catches what changed while it ran.
    if (reload || (!stored && !onlyNamedRecords))
      cursor = (await this.loadIfLarge(plan, context, pages, counts, undefined, reload)) ?? cursor
    // Hard deletes (purged records) never show in queryAll: getDeleted finds them, every few
    // minutes. Its call runs beside the pages (once the first answered: a refused pull makes one
    // call, not two), and its deletions are applied after them.
    let hardDeletes: Promise<number> = Promise.resolve(0)
    // Deletions are applied once every page of this pull is: a page read before a record was
    // purged would otherwise write its row back after the deletion removed it.
    let pagesDone: () => void = () => {}
    const pagesApplied = new Promise<void>((resolve) => {
      pagesDone = resolve
    })
    if (!onlyNamedRecords) {
      // One REST query from the cursor, paged by Salesforce (queryMore), each page applied while
      // the next is read; most pulls end with its first page. Its first answer says how many
      // records follow: more than the Bulk 2.0 threshold are loaded through Bulk 2.0 instead (a
      // first load has decided already), then the query is made again from where the load ended.
      try {
        const rest = await this.restFrom(plan, context, pages, counts, cursor, {
          afterFirstPage: async (first, totalSize) => {
            if (stored)
              hardDeletes = applyHardDeletes(
                this.store,
                salesforce,
                plan,
                this.tuning.hardDeleteIntervalMs,
                { changes: this.changes, onChange: (change) => this.emit('change', change) },
                pagesApplied,
              )
            hardDeletes.catch(() => {}) // awaited below
            const last = first.at(-1)
            if (!stored || !last || first.length < PULL_PAGE_SIZE) return undefined
            // An adapter that does not tell the total size costs a COUNT() of what follows.
            const remaining =
              totalSize === undefined
                ? await context.salesforce.count(
                    countSoql(plan, { systemModstamp: stampOf(last), id: String(last.Id) }),
                  )
                : totalSize - first.length
            return remaining > this.tuning.bulkThreshold ? remaining : undefined
          },
        })
        cursor = rest.cursor
        if (rest.stoppedForBulk !== undefined) {
          cursor =
            (await this.bulkFrom(plan, context, pages, counts, cursor, rest.stoppedForBulk)) ??
            cursor
          cursor = (await this.restFrom(plan, context, pages, counts, cursor)).cursor
        }
      } catch (error) {
        pagesDone()
        await hardDeletes.catch(() => {}) // its transaction, too, ends before the pull does
        throw error
      }
    }
    pagesDone()
    counts.deleted += await hardDeletes
    // Columns added to the mapping (or back in Salesforce) are loaded for the rows there are.
    if (!onlyNamedRecords) {
      add(
        counts,
        await backfillColumns(this.store, plan, {
          salesforce,
          pages,
          sizeUp: (countQuery) => this.sizeUp(context, countQuery, false),
          batchSize: this.tuning.bulkBatchSize,
          pageSize: this.tuning.bulkPageSize,
          reloaded: reload,
          onStarted: ({ total, columns }) =>
            this.emit('load:started', { mapping: plan.object, total, reload: false, columns }),
          onProgress: (progress) => this.emit('load:progress', progress),
          signal,
        }),
      )
    }
    counts.keptUnsent = pages.keptUnsent
    counts.awaitingPush = pages.awaitingPush
    // When the next record waiting to be read again is due (the engine asks for a pull then).
    if (pages.rechecksWaiting)
      counts.recheckInMs = await this.store.pullRechecks.nextDueInMs(plan.mapping.table)
    // Everything up to now is applied: the replay ids of the events behind this pull can be stored.
    if (!replayIdsStored && (replayIds.numbers.size > 0 || replayIds.bytes.size > 0))
      await this.store.transaction((tx) =>
        writePositions(tx.cursors, plan.mapping.table, replayIds),
      )
    for (const hint of hints) hint.onCommitted?.()
  }

  /**
   * The one Bulk 2.0 load-or-not decision: counts what a read would return (one call); a reload,
   * or more than `bulkThreshold` records, goes through Bulk 2.0.
   */
  private async sizeUp(
    context: RunContext,
    countQuery: string,
    reload: boolean,
  ): Promise<{ total: number; bulk: boolean }> {
    const total = await context.salesforce.count(countQuery)
    return { total, bulk: reload || total > this.tuning.bulkThreshold }
  }

  /**
   * Loads what there is to read (everything, or what changed since `since`) through Bulk 2.0 when
   * {@link sizeUp} says so, and returns the cursor it reached; otherwise nothing is read
   * (`undefined`).
   */
  private async loadIfLarge(
    plan: MappingSchema,
    context: RunContext,
    pages: PageApplier,
    counts: PullCounts,
    since: PullCursor | undefined,
    reload: boolean,
  ): Promise<PullCursor | undefined> {
    const { total, bulk } = await this.sizeUp(context, countSoql(plan, since), reload)
    if (!bulk) return undefined
    return this.bulkFrom(plan, context, pages, counts, since, total, reload)
  }

  /**
   * Reads everything changed after `from` with one REST query in (SystemModstamp, Id) order,
   * paged by Salesforce (queryMore), and applies it page by page with the cursor at each page's
   * last record; a page is applied while the next one is read. `afterFirstPage` sees the first
   * page (and the query's `totalSize` when the adapter tells it) before it is applied; when it
   * answers a number, the query stops after that page (`stoppedForBulk`: records still to read).
   * Returns the cursor reached.
   */
  private async restFrom(
    plan: MappingSchema,
    context: RunContext,
    pages: PageApplier,
    counts: PullCounts,
    from: PullCursor | undefined,
    options: {
      afterFirstPage?: (
        first: readonly SObjectRecord[],
        totalSize: number | undefined,
      ) => Promise<number | undefined>
    } = {},
  ): Promise<{ cursor: PullCursor | undefined; stoppedForBulk?: number }> {
    let cursor = from
    let applying: Promise<void> = Promise.resolve()
    let batch: SObjectRecord[] = []
    let totalSize: number | undefined
    let firstPage = true
    let stoppedForBulk: number | undefined
    const ship = async () => {
      const page = batch
      batch = []
      if (firstPage) {
        firstPage = false
        stoppedForBulk = await options.afterFirstPage?.(page, totalSize)
      }
      await applying
      const last = page.at(-1)
      if (!last) return
      const at = { systemModstamp: stampOf(last), id: String(last.Id) }
      cursor = at
      applying = this.apply(pages, page, at).then((applied) => add(counts, applied))
      applying.catch(() => {}) // awaited by the next ship() or at the end
    }
    try {
      for await (const record of context.salesforce.queryAll(keysetSoql(plan, from, null), {
        signal: context.signal,
        onTotalSize: (n) => {
          totalSize = n
        },
      })) {
        batch.push(record)
        if (batch.length >= PULL_PAGE_SIZE) {
          context.signal.throwIfAborted()
          await ship()
          if (stoppedForBulk !== undefined) break
        }
      }
      if (stoppedForBulk === undefined) await ship()
    } catch (error) {
      // A failed read (or a stop) waits for the page being applied: no transaction of this pull
      // outlives it, to commit older values beside the pull that retries it.
      await applying.catch(() => {})
      throw error
    }
    await applying
    return stoppedForBulk === undefined ? { cursor } : { cursor, stoppedForBulk }
  }

  /** Loads what changed since `since` (everything without) through Bulk 2.0; its cursor. */
  private async bulkFrom(
    plan: MappingSchema,
    context: RunContext,
    pages: PageApplier,
    counts: PullCounts,
    since: PullCursor | undefined,
    total: number,
    reload = false,
  ): Promise<PullCursor | undefined> {
    this.emit('load:started', { mapping: plan.object, total, reload })
    add(
      counts,
      await bulkLoad(this.store, plan, {
        salesforce: context.salesforce,
        since,
        reload,
        total,
        batchSize: this.tuning.bulkBatchSize,
        pageSize: this.tuning.bulkPageSize,
        chunkSize: Math.max(this.tuning.bulkChunkSize, Math.ceil(total / MAX_BULK_JOBS)),
        parallelism: this.tuning.bulkParallelism,
        writers: this.tuning.bulkWriters,
        onProgress: (progress) => this.emit('load:progress', progress),
        pages,
        signal: context.signal,
      }),
    )
    const loaded = await this.readCursor(plan)
    return loaded && { systemModstamp: loaded.systemModstamp, id: loaded.id }
  }

  private readCursor(plan: MappingSchema): Promise<PullCursor | undefined> {
    return this.store.cursors.pull(plan.mapping.table)
  }

  /** Applies a page and moves the cursor in one transaction; reports after the commit. */
  private async apply(
    pages: PageApplier,
    records: readonly SObjectRecord[],
    cursor: PullCursor | undefined,
    requested?: readonly string[],
    replayIds?: StreamPositions,
  ): Promise<PullCounts> {
    const outcome = await this.store.transaction(
      async (tx) => {
        const applied = await pages.apply(tx, records, requested)
        if (cursor) await tx.cursors.writePull(pages.table, cursor)
        if (replayIds) await writePositions(tx.cursors, pages.table, replayIds)
        return applied
      },
      records.length > 0 ? { savepoint: PAGE_SAVEPOINT } : {},
    )
    pages.committed(outcome)
    return { ...outcome.counts, failed: outcome.failed.length }
  }
}

/** The replay ids of a pull's hints per channel: CometD's numbers (highest) and Pub/Sub's bytes (last). */
interface StreamPositions {
  readonly numbers: Map<string, number>
  readonly bytes: Map<string, ReplayPosition>
}

function streamPositions(hints: readonly ChangeSignal[]): StreamPositions {
  const numbers = new Map<string, number>()
  const bytes = new Map<string, ReplayPosition>()
  for (const hint of hints) {
    if (!hint.channel || hint.replayId === undefined) continue
    if (typeof hint.replayId === 'number')
      numbers.set(hint.channel, Math.max(hint.replayId, numbers.get(hint.channel) ?? -Infinity))
    // Opaque ids have no order: the hints are in the order the events arrived, so the last wins.
    else
      bytes.set(hint.channel, {
        replayId: hint.replayId,
        ...(hint.receivedAt === undefined ? {} : { receivedAt: hint.receivedAt }),
      })
  }
  return { numbers, bytes }
}

async function writePositions(
  cursors: CursorStore,
  table: string,
  positions: StreamPositions,
): Promise<void> {
  if (positions.numbers.size > 0) await cursors.writeReplayIds(table, positions.numbers)
  if (positions.bytes.size > 0) await cursors.writeReplayBytes(table, positions.bytes)
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

/**
 * Whether a pull for `hints` only re-reads the records they name: streaming hints name their
 * records, and so does a verify's repair, as records due to be read again after their push do;
 * polling stays the safety net. Any other reason (poll, reconnect, gap, overflow) follows the
 * cursor. @internal
 */
export function readsOnlyNamedRecords(hints: readonly ChangeSignal[]): boolean {
  return (
    hints.length > 0 &&
    hints.every(
      (h) =>
        h.reason === 'recheck' ||
        ((h.reason === 'stream' || h.reason === 'verify') && (h.recordIds?.length ?? 0) > 0),
    )
  )
}
