import type { ConflictEvent } from '../mappings/conflict-policy.js'
import type { ChangeEvents } from '../runs/change-event.js'

/** The events a pull raises (part of `SyncEngineEvents`). */
export interface PullEvents extends ChangeEvents {
  /**
   * A load began: a Bulk 2.0 load (a first load over the threshold, or `reload()`), or the load of
   * `columns` a mapping gained (or got back from Salesforce) for the rows the table has.
   */
  'load:started': [
    event: {
      readonly mapping: string
      readonly total: number
      readonly reload: boolean
      /** A backfill: only these columns are loaded, for existing rows. */
      readonly columns?: readonly string[]
    },
  ]
  /** A load applied another batch: `done` of `total` records. */
  'load:progress': [
    event: { readonly mapping: string; readonly done: number; readonly total: number },
  ]
  /**
   * A field changed on both sides since the record's last sync; `winner` says which side's
   * changes were kept, by the mapping's `conflictPolicy`. Both versions are in the event.
   */
  conflict: [event: ConflictEvent]
  /**
   * Postgres refused one Salesforce record (a NUL byte, text in a number field, a value longer than
   * its column…: SQLSTATE class 22 or 23; a trigger of the app's own that raised: class P0). The rest of its page was applied and the cursor moved
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
}
