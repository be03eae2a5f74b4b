import type { Connection } from '../connection/connection.js'
import type { Mapping } from '../mappings/mapping.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'

/** `pull`: Salesforce → Postgres. `push`: Postgres → Salesforce. */
export type SyncDirection = 'pull' | 'push'

/** Why a source thinks changes may exist. */
export type ChangeReason =
  | 'poll'
  | 'notify'
  | 'stream'
  | 'reconnect'
  | 'gap'
  | 'overflow'
  | 'startup'
  | 'reload'
  /** A parent mapping's push put records in Salesforce that held-back children were waiting for. */
  | 'parent'
  /** A pull kept unsent Postgres changes it had held locked (a push meanwhile skipped them). */
  | 'pull'
  /**
   * A push wrote records of a mapping with columns Salesforce computes (formulas, auto-numbers,
   * a lookup Id resolved from the parent's external id): the pull reads them back at once
   * (docs/guides/mappings.md, "Values Salesforce computes").
   */
  | 'pushed'
  /** A worker checks whether it can take over the pull of a mapping no live worker leads. */
  | 'takeover'
  | 'resume'
  /**
   * The engine holds the trigger log's doorbell while it drains it, so app writes do not notify:
   * it pushes every mapping again itself (docs/concepts/design.md §5, "The doorbell").
   */
  | 'drain'
  /** `verify({ repair: true })` or a reconcile re-pulls the records it found drifted (`recordIds`). */
  | 'verify'
  /**
   * Records a pull read while a push of theirs was in flight are due to be read again
   * (`_pgforce_pull_recheck`): the pull reads those by id, and nothing else.
   */
  | 'recheck'

/**
 * "Changes may exist for this mapping in this direction." A signal is only a hint: the engine
 * reads the changes itself (cursor query or trigger log), so a missed or duplicated signal never
 * loses or duplicates data.
 */
export interface ChangeSignal {
  /** Salesforce object of the mapping, e.g. `Account`. */
  readonly object: string
  readonly direction: SyncDirection
  readonly reason: ChangeReason
  /** Salesforce record ids known to have changed, when the source knows them (streaming). */
  readonly recordIds?: readonly string[]
  /**
   * Replay id of the streaming event behind this signal; stored once the data commits. A number
   * for the Streaming API (CometD); the opaque bytes Salesforce sent for the Pub/Sub API.
   */
  readonly replayId?: number | Uint8Array
  /**
   * Called once the pull this signal asked for has committed (with its replay id), or once the
   * engine gave the signal up (its pulls failed for good three times in a row, said as an `error`
   * event). A Pub/Sub source asks Salesforce for more events only then. It may never be called
   * (the engine stopped, or another worker leads the mapping's pull), so a source must not wait on
   * it forever.
   */
  readonly onCommitted?: () => void
  /** The channel of that event, e.g. `/data/AccountChangeEvent`. */
  readonly channel?: string
  /**
   * When the source received the event (ms since the epoch, increasing within a subscription),
   * stored with its replay id. Opaque Pub/Sub replay ids cannot be ordered, so a channel shared by
   * several tables resumes from the replay id received earliest. @default when it is stored
   */
  readonly receivedAt?: number
  /**
   * When the change committed in Salesforce (the event's `commitTimestamp`, else when it arrived),
   * in ms since the epoch: the stream lag is measured from it.
   */
  readonly committedAt?: number
}

/** What the engine hands a source when it starts it. */
export interface ChangeSourceContext {
  /** The engine's connection: its Postgres pool and schema (and the raw Salesforce adapter). */
  readonly connection: Connection
  /**
   * The door to Salesforce for a mapping's object: calls through it are counted and taken from
   * the engine's API budget like the engine's own. Use it rather than `connection.salesforce`.
   */
  salesforce(object: string): SalesforceAdapter
  /** The mappings the engine syncs (a source picks those of its direction). */
  readonly mappings: readonly Mapping[]
  /** Tells the engine changes may exist. Safe to call often: signals coalesce. */
  signal(change: ChangeSignal): void
  /** Aborted when the engine stops; sources should stop their timers and connections. */
  readonly abortSignal: AbortSignal
  /**
   * Reports a failure the source is handling itself (a dropped connection it is re-opening);
   * the engine emits it as an `error` event. Sources never throw from timers or callbacks.
   */
  reportError(error: Error): void
  /**
   * Reports a push source's connection state (a streaming subscription or a LISTEN connection
   * established, or being re-established); the engine emits `source:connected` /
   * `source:reconnecting`. Optional for sources to call.
   */
  reportConnection(event: SourceConnectionEvent): void
}

/** A push source's connection state, for `source:connected` / `source:reconnecting` events. */
export interface SourceConnectionEvent {
  readonly source: string
  readonly state: 'connected' | 'reconnecting'
  /** What is connected: a channel such as `/data/AccountChangeEvent`, or a LISTEN channel. */
  readonly target: string
  /** Why it is reconnecting. */
  readonly reason?: Error
}

/**
 * Tells the engine when changes may exist (docs/concepts/change-model.md). Push sources (Salesforce streaming,
 * Postgres LISTEN/NOTIFY) are latency hints; polling sources are the safety net. Implement it
 * directly, or extend `BaseChangeSource` for timers and idempotent start/stop.
 */
export interface ChangeSource {
  /** Short name for events and logs, e.g. `salesforce-polling`. */
  readonly name: string
  /** Which direction this source signals. */
  readonly direction: SyncDirection
  /**
   * Whether this source LISTENs on the trigger log's channel (`PostgresNotifySource` does). App
   * writes notify only while an engine running such a source says it LISTENs
   * (docs/concepts/design.md §5, "The doorbell"): a custom source that LISTENs on the channel must
   * say so, or it hears nothing. A wrapper of a source passes it on.
   */
  readonly listensToTriggerLog?: boolean
  /**
   * For a source that {@link listensToTriggerLog}: true while its LISTEN is known to receive
   * nothing (deaf behind a transaction pooler). The engine then stops saying it LISTENs, so app
   * writes stop paying for notifications nobody hears. Omitted: it hears.
   */
  readonly deaf?: boolean
  /** Starts watching. Resolves once the source is running (connected, subscribed, timers set). */
  start(context: ChangeSourceContext): Promise<void>
  /** Stops watching and releases connections. Idempotent. */
  stop(): Promise<void>
}
