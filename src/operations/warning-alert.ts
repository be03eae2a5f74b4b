import type { Warning } from '../store/warning-store.js'

/** What an alert hook receives: a warning that just started or just ended. */
export interface WarningAlert {
  readonly event: 'started' | 'ended'
  readonly warning: Warning
  /** The Postgres schema of the connection, to tell several connections apart. */
  readonly schema: string
}
