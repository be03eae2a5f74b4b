/**
 * One record that crossed, as `engine.on('change', …)` reports it after the transaction that
 * wrote it committed (docs/reference/events.md, "change").
 */
export interface ChangeEvent {
  /** `pull`: Salesforce → Postgres (polls and streaming); `push`: Postgres → Salesforce. */
  readonly direction: 'pull' | 'push'
  /** The mapping's object (API name, e.g. `Account`). */
  readonly mapping: string
  /** What happened to the record (a soft delete is an `UPDATE` whose columns hold `isdeleted`). */
  readonly action: 'INSERT' | 'UPDATE' | 'DELETE'
  /** The Salesforce record id (for a push of a new record, the id Salesforce gave it). */
  readonly sfid: string | null
  /** `id` of the row in the mapped table. */
  readonly recordId: number
  /**
   * The columns the change set: for a pull, the columns whose value changed (for an insert, those
   * with a value); for a push, the columns sent (`[]` for a delete). `sfid` is not listed.
   */
  readonly columns: readonly string[]
  /**
   * The new values of `columns`, only with the engine option `changeEvents: { values: true }`:
   * for a pull as `pg` reads them from the row, for a push as text (the `_trigger_log` form).
   */
  readonly values?: Readonly<Record<string, unknown>>
}

/** The `change` event (part of `SyncEngineEvents`). */
export interface ChangeEvents {
  /** One record crossed, after its commit. Costs nothing while nobody listens. */
  change: [event: ChangeEvent]
}

/**
 * Whether anyone listens to `change` right now, and with what: `undefined` while nobody does, so
 * the pull and push skip building events entirely. @internal
 */
export type ChangeCapture = () => { readonly values: boolean } | undefined
