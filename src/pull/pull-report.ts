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
  /** Salesforce API calls the pull made. */
  readonly apiCalls: number
  readonly durationMs: number
}
