/** Counts a pull reports (Salesforce → Postgres). */
export interface PullReport {
  readonly direction: 'pull'
  readonly mapping: string
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
  /** Records Postgres refused (set aside in `_pgforce_pull_failure`, reported as `pull:record-failed`). */
  readonly failed: number
  /**
   * Records whose Postgres changes were still waiting to be sent: the pull kept them over
   * Salesforce's values (no conflict, or the policy chose Postgres), and a push follows.
   */
  readonly keptUnsent: number
  /**
   * Records read while a push of theirs was in flight (sfids): the pull decided nothing for them
   * and kept the row's changes. They wait in `_pgforce_pull_recheck` and a later pull reads them
   * again by id once due, and checks for a conflict then (docs/concepts/delivery-guarantees.md).
   */
  readonly awaitingPush?: readonly string[]
  /**
   * When the mapping's next record waiting to be read again (these, or earlier ones) is due, in
   * ms from the pull's end; the running engine asks for a pull then.
   */
  readonly recheckInMs?: number
  /** Salesforce API calls the pull made. */
  readonly apiCalls: number
  readonly durationMs: number
}
