/** Counts a push reports (Postgres → Salesforce). */
export interface PushReport {
  readonly direction: 'push'
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
