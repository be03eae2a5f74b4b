import type { ConflictEvent } from '../mappings/conflict-policy.js'
import type { SourceConnectionEvent } from '../sources/change-source.js'
import type { BudgetLevel } from './api-budget.js'
import type { EngineState } from './engine-state.js'
import type { ReconcileReport } from './reconcile.js'

/** Counts a pull reports (Salesforce → Postgres). */
export interface PullReport {
  readonly mapping: string
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
  /**
   * Records Postgres refused (a value no column can take): set aside in `_pgforce_pull_failure`
   * and reported one by one as `pull:record-failed`; the rest of their page was applied.
   */
  readonly failed: number
  /** Salesforce API calls the pull made. */
  readonly apiCalls: number
  readonly durationMs: number
}

/** Counts a push reports (Postgres → Salesforce). */
export interface PushReport {
  readonly mapping: string
  readonly strategy: string
  readonly sent: number
  readonly succeeded: number
  readonly failed: number
  /** Entries left NEW to wait for a parent record that is not in Salesforce yet. */
  readonly heldBack: number
  readonly apiCalls: number
  readonly durationMs: number
}

/**
 * Every event a `SyncEngine` emits. Payloads are objects so fields can be added later without
 * breaking listeners. Listen to `error`: background failures are reported there (an engine never
 * throws from a timer).
 */
export interface SyncEngineEvents {
  /** The lifecycle state changed. */
  state: [event: { readonly from: EngineState; readonly to: EngineState }]
  /** A pull of one mapping began. */
  'pull:started': [event: { readonly mapping: string; readonly reason: string }]
  /** A pull of one mapping committed. */
  'pull:completed': [event: PullReport]
  /** A pull failed; it is retried after `retryInMs` when the error is retryable. */
  'pull:failed': [
    event: {
      readonly mapping: string
      readonly error: Error
      readonly retryInMs: number | undefined
    },
  ]
  /**
   * Postgres refused one Salesforce record (a NUL byte, text in a number field, a value longer than
   * its column…: SQLSTATE class 22 or 23). The rest of its page was applied and the cursor moved
   * on; the record waits in `_pgforce_pull_failure` and is read again when it changes in
   * Salesforce, every `pullFailureRetryMs`, or on `retryPullFailures()`.
   */
  'pull:record-failed': [
    event: {
      readonly mapping: string
      /** The Salesforce record id. */
      readonly sfid: string
      /** Postgres's error: its SQLSTATE (e.g. `22021`, `22P02`, `22001`) and message. */
      readonly error: { readonly sqlState: string; readonly message: string }
      /** Attempts that failed so far, this one included. */
      readonly attempts: number
    },
  ]
  /** Salesforce rejected one record; its entry is FAILED and its row `_hc_lastop = 'FAILED'`. */
  'record:failed': [
    event: {
      readonly mapping: string
      /** `id` of the row in the mapped table. */
      readonly recordId: number
      readonly action: 'INSERT' | 'UPDATE' | 'DELETE'
      readonly error: {
        readonly statusCode: string
        readonly message: string
        readonly fields: readonly string[]
      }
    },
  ]
  /** A Bulk 2.0 load (a first load over the threshold, or `reload()`) began. */
  'load:started': [
    event: { readonly mapping: string; readonly total: number; readonly reload: boolean },
  ]
  /** A load applied another batch: `done` of `total` records. */
  'load:progress': [
    event: { readonly mapping: string; readonly done: number; readonly total: number },
  ]
  /** A reconcile looked at one mapping (and reloaded it when it had drifted). */
  'reconcile:completed': [event: ReconcileReport]
  /** Old `_trigger_log_archive` entries were deleted. */
  'archive:trimmed': [event: { readonly deleted: number }]
  /** A push of one mapping committed its outcomes. */
  'push:completed': [event: PushReport]
  /** A push failed as a whole (entries stay NEW); retried after `retryInMs` when retryable. */
  'push:failed': [
    event: {
      readonly mapping: string
      readonly error: Error
      readonly retryInMs: number | undefined
    },
  ]
  /** A push source (streaming, LISTEN) is connected: changes now arrive within milliseconds. */
  'source:connected': [event: SourceConnectionEvent]
  /** A push source lost its connection and is re-establishing it; polls cover the gap. */
  'source:reconnecting': [event: SourceConnectionEvent]
  /**
   * This engine took over (`leader: true`) or gave up the pulls of a mapping. With several
   * engines on one database, one leads each mapping's pulls (an advisory lock); pushes are shared.
   */
  leadership: [event: { readonly mapping: string; readonly leader: boolean }]
  /**
   * A record changed on both sides since its last sync; `winner` says which side's changes were
   * kept, by the mapping's `conflictPolicy`. Both versions are in the event.
   */
  conflict: [event: ConflictEvent]
  /**
   * A mapping's API budget changed level: `low` (past `slowDownAt`: polls thin out, pushes batch
   * harder), `exhausted` (calls wait for the next UTC day), or `ok` again.
   */
  budget: [
    event: {
      readonly mapping: string
      readonly level: BudgetLevel
      /** Calls spent today against `budget`. */
      readonly used: number
      readonly budget: number
    },
  ]
  /** `pause()` (`paused: true`) or `resume()` took effect. */
  paused: [event: { readonly paused: boolean }]
  /** A background failure outside a pull or push (a change source, a lost connection). */
  error: [event: { readonly error: Error; readonly context: string }]
}
