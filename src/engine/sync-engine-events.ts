import type { ConnectionWarning } from '../connection/connection-warning.js'
import type { WarningEvents } from '../operations/warning-monitor.js'
import type { PullEvents } from '../pull/pull-events.js'
import type { PullReport } from '../pull/pull-report.js'
import type { PushEvents } from '../push/push-events.js'
import type { PushReport } from '../push/push-report.js'
import type { SourceConnectionEvent } from '../sources/change-source.js'
import type { BudgetEvents } from './api-budget.js'
import type { EngineState } from './engine-lifecycle.js'
import type { ReconcileReport } from './reconcile.js'
import type { DriftEvents } from './schema-watch.js'
import type { VerifyReport } from './verify-report.js'

/**
 * Every event a `SyncEngine` emits. Payloads are objects so fields can be added later without
 * breaking listeners. Listen to `error`: background failures are reported there (an engine never
 * throws from a timer).
 */
export interface SyncEngineEvents
  extends PullEvents,
    PushEvents,
    BudgetEvents,
    DriftEvents,
    WarningEvents {
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
   * A reconcile looked at one mapping: re-pulled the records its value sample found drifted, and
   * reloaded it when the counts still differed.
   */
  'reconcile:completed': [event: ReconcileReport]
  /** `verify()` (or a reconcile) compared one mapping's records and rows, and repaired them if asked. */
  'verify:completed': [event: VerifyReport]
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
   * This engine paused (`paused: true`) or resumed, following the shared pause switch
   * (`engine.pause()` / `resume()` or `pgforce pause` / `resume` on any worker).
   */
  paused: [event: { readonly paused: boolean }]
  /**
   * Something about the connection needs the app's attention (`connection.warnings`), e.g. a
   * username–password login Salesforce retires on 2027-02-20. Emitted once per connection, by the
   * first engine to `install()`, `start()` or `syncOnce()` with it.
   */
  'connection:warning': [event: ConnectionWarning]
  /** A background failure outside a pull or push (a change source, a lost connection). */
  error: [event: { readonly error: Error; readonly context: string }]
}

export type { PullReport, PushReport }
