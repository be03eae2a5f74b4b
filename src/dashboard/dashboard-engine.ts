import type { SyncEngine } from '../engine/sync-engine.js'

/**
 * What the dashboard uses of a `SyncEngine`: its status, its failed writes and what it does to
 * them, pause and resume, and its events. A `SyncEngine` is one.
 */
export type DashboardEngine = Pick<
  SyncEngine,
  | 'status'
  | 'failedWrites'
  | 'retryFailed'
  | 'ignoreFailed'
  | 'pause'
  | 'resume'
  | 'on'
  | 'off'
  | 'listenerCount'
>
