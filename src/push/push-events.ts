import type { ChangeEvents } from '../runs/change-event.js'

/** The events a push raises (part of `SyncEngineEvents`). */
export interface PushEvents extends ChangeEvents {
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
}
