import type { Mapping } from '../mappings/mapping.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { RecordError, SObjectRecord } from '../salesforce/salesforce-types.js'

/** The action a captured change records (`_trigger_log.action`). */
export type ChangeAction = 'INSERT' | 'UPDATE' | 'DELETE'

/** One captured change of a mapped row, as a write strategy sees it (a `_trigger_log` entry). */
export interface ChangeEntry {
  /** `_trigger_log.id`: entries are handed over in this order. */
  readonly id: number
  readonly action: ChangeAction
  /** `id` of the row in the mapped table. */
  readonly recordId: number
  /** The row's Salesforce Id when known (always for UPDATE/DELETE of synced rows). */
  readonly sfid: string | null
  /** Changed columns → their new value as text (all mapped columns for INSERT; none for DELETE). */
  readonly values: Readonly<Record<string, string | null>>
}

/** What happened to one entry. */
export type EntryOutcome =
  /** Salesforce accepted it. */
  | 'success'
  /** Salesforce rejected the record; `error` says why. The entry becomes FAILED. */
  | 'failed'
  /** Folded into another entry's operation (merged writes). */
  | 'merged'
  /** Nothing to send (e.g. insert + delete before sync, delete of a never-synced row). */
  | 'ignored'
  /** Not sent now (held back behind a failed insert, or a retryable record error); stays NEW. */
  | 'deferred'

/** The outcome of one entry, reported by a strategy. Every entry handed over gets exactly one. */
export interface EntryResult {
  readonly entryId: number
  readonly outcome: EntryOutcome
  /** The record's Salesforce Id, for `success` (written back to the row on inserts). */
  readonly sfid?: string | undefined
  /** Salesforce's error, for `failed` (and for `deferred` after a retryable record error). */
  readonly error?: RecordError | undefined
}

/** What a strategy gets besides the entries. */
export interface WriteContext {
  readonly mapping: Mapping
  /** The mapping's external id field, canonical API name (as `toRecord` keys it), if any. */
  readonly externalIdField: string | undefined
  readonly salesforce: SalesforceAdapter
  /**
   * Converts captured column values to a Salesforce record for `action`: API field names, values
   * typed for Salesforce (numbers, booleans, ISO datetimes). Columns of fields the action cannot
   * set (not createable for INSERT, not updateable for UPDATE) are left out.
   */
  toRecord(values: Readonly<Record<string, string | null>>, action: ChangeAction): SObjectRecord
  /**
   * Records outcomes now, before `write()` returns: the entries' states and their rows' `sfid`,
   * `_hc_lastop` and `_hc_err` commit in one transaction, after the commits before it. Call it
   * after each Salesforce call (`sendOperation` and `BaseWriteStrategy.send` do), so a crash or a
   * stop loses little; results not committed this way are recorded when `write()` returns.
   * Committing an entry twice is harmless (the first outcome stands).
   *
   * It resolves as soon as the commit is queued, so the next call overlaps it; a call through
   * `salesforce` that may create records (`create`, a Bulk 2.0 `insert`) waits until every
   * commit before it has landed (sent again, its records would be created twice). A commit that
   * fails makes the next `commit()` or create fail, and every entry without a committed outcome
   * goes back to NEW.
   */
  commit(results: readonly EntryResult[]): Promise<void>
  /**
   * Whether a record-level error is worth another try later (the entry is then `deferred`, not
   * `failed`), by the engine's `retryPolicy`: `UNABLE_TO_LOCK_ROW` and the codes a user added.
   */
  isRetryable(error: RecordError): boolean
  /**
   * Aborted when the engine is stopping: make no further Salesforce call (`sendOperation` checks
   * it before each one) and throw or return; entries without a committed result go back to NEW.
   * A call already in flight is waited for unless the stop is not graceful or its timeout passed
   * (see `engine.stop()`).
   */
  readonly signal: AbortSignal
}

/**
 * How captured Postgres changes of one mapping are written to Salesforce
 * (docs/guides/write-strategies.md). The engine claims entries, calls {@link write}, and records
 * every {@link EntryResult} in the same transaction as the row updates (sfid, `_hc_lastop`,
 * `_hc_err`) — as each Salesforce call answers when the strategy uses `context.commit` (the
 * built-in ones do), else when `write()` returns.
 *
 * `write()` must return exactly one result per entry it was given; anything else fails the push
 * loudly with a `WriteStrategyError`. A strategy that throws leaves every entry without a
 * committed result NEW: throw a retryable `SalesforceApiError` (503, `REQUEST_LIMIT_EXCEEDED`, …)
 * and the engine retries with backoff. Record-level rejections are results, not throws.
 */
export interface WriteStrategy {
  /** Short name for events and logs, e.g. `ordered`. */
  readonly name: string
  /**
   * How many entries the engine should claim per round for this strategy (optional). Strategies
   * that batch beyond 200 records per call (Bulk 2.0) ask for more. Default 2000.
   */
  readonly claimSize?: number
  /** Writes `entries` (in `_trigger_log` order) and reports one result per entry. */
  write(entries: readonly ChangeEntry[], context: WriteContext): Promise<EntryResult[]>
}
