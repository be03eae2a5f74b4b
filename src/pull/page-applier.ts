import type { ConflictEvent } from '../mappings/conflict-policy.js'
import type { ColumnSpec, MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeCapture, ChangeEvent } from '../runs/change-event.js'
import { toIsoInstant } from '../salesforce/salesforce-datetime.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { PullRecordFailure, RecordRefusal } from '../store/pull-failures.js'
import type { StoreTransaction } from '../store/sync-store.js'
import { applyBackfill } from './apply-backfill.js'
import { type ApplyCounts, applyRecords } from './apply-records.js'
import { refusalOf } from './refusal-of.js'

/** What a pull did: {@link ApplyCounts} plus the records Postgres refused. */
export interface PullCounts extends ApplyCounts {
  failed: number
  /** Records whose unsent Postgres changes the pull kept (see `PageApplier.keptUnsent`). */
  keptUnsent?: number
  /** Records read while a push of theirs was in flight (see `PageApplier.awaitingPush`). */
  awaitingPush?: readonly string[]
  /** When the table's next record waiting in `_pgforce_pull_recheck` is due, in ms from now. */
  recheckInMs?: number
}

/** What applying one page did, to report once its transaction committed. */
export interface PageOutcome {
  readonly counts: ApplyCounts
  /** Records Postgres refused, now in `_pgforce_pull_failure`. */
  readonly failed: readonly PullRecordFailure[]
}

/** Options of a {@link PageApplier}. */
export interface PageApplierOptions {
  /** `_pgforce_pull_failure` had rows for the table when the pull began. */
  readonly knownFailures: boolean
  /** `_pgforce_pull_recheck` had rows for the table when the pull began. */
  readonly knownRechecks?: boolean
  /** How long a refused record waits before it is read again by id (unless it changes). */
  readonly retryMs: number
  /** Attempt refused records even when unchanged and not due (a reload). */
  readonly retryAll?: boolean
  /** Told of each conflict, after its page committed. */
  readonly onConflict?: ((conflict: ConflictEvent) => void) | undefined
  /** Told of each refused record, after its page committed. */
  readonly onRecordFailed?: ((failure: PullRecordFailure) => void) | undefined
  /** Whether anyone listens to `change` (asked per page): then rows written are reported. */
  readonly changes?: ChangeCapture | undefined
  /** Told of each row a page wrote, after its page committed (when `changes` asked for them). */
  readonly onChange?: ((change: ChangeEvent) => void) | undefined
  /**
   * The database's clock before the pull read Salesforce: a record whose push settled since is
   * not applied (what was read may predate the push) but read again when due.
   */
  readonly settledSinceMs?: number | undefined
}

/**
 * Applies the pages of one pull so that a record Postgres refuses fails alone
 * (docs/concepts/delivery-guarantees.md). Inside the caller's engine transaction a page is applied
 * as one set-based batch under a savepoint; when Postgres refuses a value (SQLSTATE class 22,
 * 23 or P0, {@link refusalOf}), the batch is rolled back to the savepoint and split in halves, down to
 * single records, so every other record commits with the cursor and each refused one is written
 * to `_pgforce_pull_failure` in the same transaction. Any other error fails the page as before.
 *
 * A refused record is attempted again when it changes in Salesforce (a new SystemModstamp), when
 * its retry is due (`retryMs` after its last failure, read again by id at the start of a pull), or
 * on a reload; an unchanged one re-read by the look-back window is skipped. A record that applies
 * leaves `_pgforce_pull_failure` in the transaction that applied it.
 * @internal
 */
export class PageApplier {
  private readonly plan: MappingSchema
  private readonly options: PageApplierOptions
  private knownFailures: boolean
  private knownRechecks: boolean
  private unsentKept = 0
  private readonly inFlight = new Set<string>()

  constructor(plan: MappingSchema, options: PageApplierOptions) {
    this.plan = plan
    this.options = options
    this.knownFailures = options.knownFailures
    this.knownRechecks = options.knownRechecks ?? false
  }

  /**
   * Records whose unsent Postgres changes committed pages kept. While a page's transaction held
   * those changes locked, a push skipped them: the pull's report says so, and the engine pushes.
   */
  get keptUnsent(): number {
    return this.unsentKept
  }

  /**
   * Records committed pages read while a push of theirs was in flight: nothing was decided for
   * them (the row kept its changes), so they wait in `_pgforce_pull_recheck` to be read again.
   */
  get awaitingPush(): readonly string[] {
    return [...this.inFlight]
  }

  /** Whether the table may have records waiting in `_pgforce_pull_recheck`. */
  get rechecksWaiting(): boolean {
    return this.knownRechecks
  }

  /** The mapped table pages are applied to. */
  get table(): string {
    return this.plan.mapping.table
  }

  /**
   * Applies `records` in the caller's transaction. `requested` are ids the page was read by
   * (retries, streaming hints): a refused one Salesforce no longer returns (purged) is forgotten.
   */
  async apply(
    tx: StoreTransaction,
    records: readonly SObjectRecord[],
    requested: readonly string[] = [],
  ): Promise<PageOutcome> {
    const table = this.plan.mapping.table
    // Each record once (the last read of an id wins, in the place of its first).
    const byId = new Map<string, SObjectRecord & { Id: string }>()
    for (const record of records)
      if (typeof record.Id === 'string')
        byId.set(record.Id, record as SObjectRecord & { Id: string })
    const unique = [...byId.values()]
    const failing = this.knownFailures
      ? await tx.pullFailures.among(table, [...new Set([...unique.map((r) => r.Id), ...requested])])
      : new Map()
    const attempted = unique.filter((record) => {
      const failed = failing.get(record.Id)
      return (
        !failed ||
        failed.due ||
        this.options.retryAll === true ||
        failed.systemModstamp !== toIsoInstant(record.SystemModstamp)
      )
    })
    const request = this.options.changes?.()
    const { counts, refused } = await this.isolate(tx, attempted, (batch) =>
      applyRecords(tx, this.plan, batch, request, this.options.settledSinceMs),
    )
    const failed = await tx.pullFailures.record(table, refused, this.options.retryMs)
    const refusedIds = new Set(refused.map((r) => r.sfid))
    await tx.pullFailures.clear(table, [
      ...attempted.filter((r) => failing.has(r.Id) && !refusedIds.has(r.Id)).map((r) => r.Id),
      ...requested.filter((id) => failing.has(id) && !byId.has(id)),
    ])
    // Records read while their push was in flight wait in `_pgforce_pull_recheck`, in this
    // transaction; every other record of the page (or requested and gone) is decided.
    const awaiting = new Set(counts.awaitingPush ?? [])
    if (this.knownRechecks)
      await tx.pullRechecks.clear(table, [
        ...unique.map((r) => r.Id).filter((id) => !awaiting.has(id)),
        ...requested.filter((id) => !byId.has(id)),
      ])
    await tx.pullRechecks.add(table, [...awaiting])
    return { counts, failed }
  }

  /**
   * Loads `columns` of the rows of `records` in the caller's transaction (a backfill of columns
   * added to the mapping, see {@link applyBackfill}): only those columns are written. A record
   * Postgres refuses fails alone, as in {@link apply}, and is read again whole later. `readFromMs`
   * is the database's clock before `records` were read (`CursorStore.databaseNowMs`).
   */
  async backfill(
    tx: StoreTransaction,
    records: readonly SObjectRecord[],
    columns: readonly ColumnSpec[],
    readFromMs: number,
  ): Promise<PageOutcome> {
    const { counts, refused } = await this.isolate(tx, records, (batch) =>
      applyBackfill(tx, this.plan, columns, batch, readFromMs),
    )
    const failed = await tx.pullFailures.record(
      this.plan.mapping.table,
      refused,
      this.options.retryMs,
    )
    return { counts, failed }
  }

  /** After the page's transaction committed: tells listeners. */
  committed(outcome: PageOutcome): void {
    if (outcome.failed.length > 0) this.knownFailures = true
    this.unsentKept += outcome.counts.unsent ?? 0
    for (const sfid of outcome.counts.awaitingPush ?? []) this.inFlight.add(sfid)
    if ((outcome.counts.awaitingPush?.length ?? 0) > 0) this.knownRechecks = true
    for (const conflict of outcome.counts.conflicts ?? []) this.options.onConflict?.(conflict)
    for (const failure of outcome.failed) this.options.onRecordFailed?.(failure)
    for (const change of outcome.counts.changes ?? []) this.options.onChange?.(change)
  }

  /**
   * Applies the records set-based; when Postgres refuses one, bisects under savepoints until each
   * refused record stands alone. Counts and conflicts are those of the batches that applied.
   */
  private async isolate(
    tx: StoreTransaction,
    records: readonly SObjectRecord[],
    applyBatch: (batch: readonly SObjectRecord[]) => Promise<ApplyCounts>,
  ): Promise<{ counts: ApplyCounts; refused: RecordRefusal[] }> {
    const counts: ApplyCounts = { inserted: 0, updated: 0, deleted: 0, conflicts: [] }
    const refused: RecordRefusal[] = []
    const { client } = tx
    // `taken`: the transaction opened with the savepoint (one round trip fewer), and its commit
    // releases it (another one fewer).
    const attempt = async (batch: readonly SObjectRecord[], taken = false): Promise<void> => {
      if (!taken) await client.query(`SAVEPOINT ${PAGE_SAVEPOINT}`)
      try {
        const applied = await applyBatch(batch)
        if (!taken) await client.query(`RELEASE SAVEPOINT ${PAGE_SAVEPOINT}`)
        counts.inserted += applied.inserted
        counts.updated += applied.updated
        counts.deleted += applied.deleted
        counts.conflicts?.push(...(applied.conflicts ?? []))
        counts.unsent = (counts.unsent ?? 0) + (applied.unsent ?? 0)
        if (applied.awaitingPush)
          counts.awaitingPush = [...(counts.awaitingPush ?? []), ...applied.awaitingPush]
        if (applied.changes) counts.changes = [...(counts.changes ?? []), ...applied.changes]
      } catch (error) {
        const refusal = refusalOf(error)
        if (!refusal) throw error
        await client.query(`ROLLBACK TO SAVEPOINT ${PAGE_SAVEPOINT}`)
        await client.query(`RELEASE SAVEPOINT ${PAGE_SAVEPOINT}`)
        const [only] = batch
        if (batch.length === 1 && only) {
          refused.push({
            sfid: String(only.Id),
            systemModstamp: toIsoInstant(only.SystemModstamp),
            sqlState: refusal.sqlState ?? '22000',
            message: refusal.message,
          })
          return
        }
        const half = Math.ceil(batch.length / 2)
        await attempt(batch.slice(0, half))
        await attempt(batch.slice(half))
      }
    }
    if (records.length > 0) await attempt(records, tx.takeOpenSavepoint(PAGE_SAVEPOINT))
    return { counts, refused }
  }
}

/**
 * The savepoint a page is applied under. A transaction that applies a page opens with it
 * (`SyncStore.transaction(work, { savepoint: PAGE_SAVEPOINT })`): two round trips fewer per page.
 * @internal
 */
export const PAGE_SAVEPOINT = 'pgforce_page'
