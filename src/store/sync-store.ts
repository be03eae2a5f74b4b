import type { MappingSchema } from '../mappings/mapping-schema.js'
import {
  type EngineTransactionOptions,
  withEngineTransaction,
} from '../postgres/engine-transaction.js'
import type { RecordedMapping } from '../postgres/install/drift-installer.js'
import type { PgClientLike, PgPoolLike } from '../postgres/pg-pool-like.js'
import { ApiUsageStore } from './api-usage.js'
import { BackfillStore } from './backfills.js'
import { CursorStore } from './cursors.js'
import { Doorbell } from './doorbell.js'
import { FailedEntryStore } from './failed-entries.js'
import { InsertFence, passInsertFence } from './insert-fence.js'
import { assertInstalled, recordedMappings } from './installation.js'
import { PauseSwitch } from './pause-switch.js'
import { PullFailureStore } from './pull-failures.js'
import { PullLeadership, type PullLeadershipOptions } from './pull-leadership.js'
import { PullRecheckStore } from './pull-rechecks.js'
import { requestPull } from './pull-requests.js'
import type { Queryable } from './queryable.js'
import { SeenRecordStore } from './seen-records.js'
import { SyncStateStore } from './sync-state.js'
import { TriggerLogQueue } from './trigger-log-queue.js'
import { UnsentChangeStore } from './unsent-changes.js'
import { WarningStore } from './warning-store.js'
import { listWriteErrors, type WriteError, type WriteErrorFilter } from './write-errors.js'

/**
 * The statements one engine runs against pgforce's own tables, bound to one schema
 * (docs/concepts/architecture.md, "The store"). `SyncStore` runs each on the pool; `transaction()`
 * hands the same modules bound to one engine transaction, so data and the bookkeeping that
 * describes it commit together. Nothing outside `src/store/` writes SQL against pgforce's tables.
 * @internal
 */
export class StoreModules {
  readonly schema: string
  readonly cursors: CursorStore
  readonly pullFailures: PullFailureStore
  readonly pullRechecks: PullRecheckStore
  readonly unsentChanges: UnsentChangeStore
  readonly seenRecords: SeenRecordStore
  readonly state: SyncStateStore
  readonly backfills: BackfillStore

  constructor(db: Queryable, schema: string) {
    this.schema = schema
    this.backfills = new BackfillStore(db, schema)
    this.cursors = new CursorStore(db, schema)
    this.pullFailures = new PullFailureStore(db, schema)
    this.pullRechecks = new PullRecheckStore(db, schema)
    this.unsentChanges = new UnsentChangeStore(db, schema)
    this.seenRecords = new SeenRecordStore(db, schema)
    this.state = new SyncStateStore(db, schema)
  }
}

/** The store's modules inside one engine transaction, and its client for the data. @internal */
export class StoreTransaction extends StoreModules {
  /** The transaction's connection, for statements on the mapped tables themselves. */
  readonly client: PgClientLike
  /** The savepoint the transaction was opened with, until someone takes it. */
  private openSavepoint: string | undefined

  constructor(client: PgClientLike, schema: string, openSavepoint?: string) {
    super(client, schema)
    this.client = client
    this.openSavepoint = openSavepoint
  }

  /**
   * Whether the transaction was opened with savepoint `name` (`SyncStore.transaction`'s
   * `savepoint`) and nobody took it yet: the caller then works under it without taking one, and
   * leaves it to the commit (a failure rolls back to it, as to its own).
   */
  takeOpenSavepoint(name: string): boolean {
    if (this.openSavepoint !== name) return false
    this.openSavepoint = undefined
    return true
  }

  /**
   * Waits, inside this transaction, until no push is between creating records of `table` and
   * committing their sfids, if some of `sfids` have no row (see `passInsertFence`).
   */
  passInsertFence(table: string, sfids: readonly string[], timeoutMs?: number): Promise<void> {
    return passInsertFence(this.client, this.schema, table, sfids, timeoutMs)
  }
}

/** pgforce's bookkeeping in one schema of one database. @internal */
export class SyncStore extends StoreModules {
  readonly pool: PgPoolLike
  /** API calls per day (runs its own short transactions). */
  readonly apiUsage: ApiUsageStore
  /** Requeue and dismiss FAILED entries, trim the archive (each its own transaction). */
  readonly failedEntries: FailedEntryStore
  /** The pause switch every worker follows (`_pgforce_control`). */
  readonly pauseSwitch: PauseSwitch
  /** The warnings workers raise (`_pgforce_warning`). */
  readonly warnings: WarningStore
  /** Whether app writes notify the engines (`_pgforce_doorbell`), held while an engine drains. */
  readonly doorbell: Doorbell

  constructor(pool: PgPoolLike, schema: string) {
    super(pool, schema)
    this.pool = pool
    this.apiUsage = new ApiUsageStore(pool, schema)
    this.failedEntries = new FailedEntryStore(pool, schema)
    this.pauseSwitch = new PauseSwitch(pool, schema)
    this.warnings = new WarningStore(pool, schema)
    this.doorbell = new Doorbell(pool, schema)
  }

  /** FAILED trigger-log entries, newest first (`objectOf` names a table's mapping). */
  writeErrors(
    objectOf: (table: string) => string,
    filter?: WriteErrorFilter,
  ): Promise<WriteError[]> {
    return listWriteErrors(this.pool, this.schema, objectOf, filter)
  }

  /**
   * Throws an `EngineStateError` that says to run `install()` unless the schema is installed, at
   * this pgforce's version, for these mappings.
   */
  checkInstalled(plans: Iterable<MappingSchema>): Promise<void> {
    return assertInstalled(this.pool, this.schema, plans)
  }

  /** What `_pgforce_mapping` records for each installed table (empty before `install()`). */
  recordedMappings(): Promise<Map<string, RecordedMapping>> {
    return recordedMappings(this.pool, this.schema)
  }

  /**
   * Pull leadership among the engines on this database, reporting each change to `onChange`,
   * and other engines' requests to pull a mapping this engine leads to `onPullRequest`.
   */
  pullLeadership(
    onChange: (object: string, leader: boolean) => void,
    onPullRequest?: (object: string) => void,
    options?: PullLeadershipOptions,
  ): PullLeadership {
    return new PullLeadership(this.pool, this.schema, onChange, onPullRequest, options)
  }

  /** Asks the engine leading `object`'s pull, on any worker, to pull it now (`requestPull`). */
  requestPull(object: string): Promise<void> {
    return requestPull(this.pool, this.schema, object)
  }

  /** Raises an insert fence on `table`, committed before the push's first create call. */
  raiseInsertFence(table: string, ttlMs?: number): Promise<InsertFence> {
    return InsertFence.raise(this.pool, this.schema, table, ttlMs)
  }

  /** The trigger log as a work queue, with claims that hold for `leaseMs`. */
  triggerLog(leaseMs: number): TriggerLogQueue {
    return new TriggerLogQueue({ pool: this.pool, schema: this.schema, leaseMs })
  }

  /**
   * Runs `work` in one engine transaction (`SET LOCAL xmlbinary = 'hex'`: its writes are not
   * captured), with the store bound to it; `savepoint` is taken as it opens (see
   * {@link StoreTransaction.takeOpenSavepoint}).
   */
  transaction<T>(
    work: (tx: StoreTransaction) => Promise<T>,
    options: EngineTransactionOptions = {},
  ): Promise<T> {
    return withEngineTransaction(
      this.pool,
      (client) => work(new StoreTransaction(client, this.schema, options.savepoint)),
      options,
    )
  }
}
