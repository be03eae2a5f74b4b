import type { EventEmitter } from 'eventemitter3'
import { SalesforcePull } from '../pull/salesforce-pull.js'
import { SalesforcePush } from '../push/salesforce-push.js'
import type { ChangeSource } from '../sources/change-source.js'
import { PostgresNotifySource } from '../sources/postgres-notify-source.js'
import { PostgresPollingSource } from '../sources/postgres-polling-source.js'
import { SalesforcePollingSource } from '../sources/salesforce-polling-source.js'
import { SalesforceStreamingSource } from '../sources/salesforce-streaming-source.js'
import { OrderedWriteStrategy } from '../strategies/ordered-write-strategy.js'
import type { ApiBudget } from './api-budget.js'
import type { EngineRunners } from './engine-runners.js'
import type { ResolvedEngineOptions } from './resolve-engine-options.js'
import type { SyncEngineEvents } from './sync-engine-events.js'

/**
 * The real pull and push, reporting loads, conflicts, records Postgres refused and records
 * Salesforce rejected as engine events. @internal
 */
export function defaultRunners(
  options: ResolvedEngineOptions,
  budget: ApiBudget,
  events: EventEmitter<SyncEngineEvents>,
): EngineRunners {
  return {
    pull: new SalesforcePull(options.connection, {
      budget,
      onLoadStarted: (event) => events.emit('load:started', event),
      onProgress: (event) => events.emit('load:progress', event),
      onConflict: (event) => events.emit('conflict', event),
      failureRetryMs: options.pullFailureRetryMs,
      onRecordFailed: (mapping, failure) =>
        events.emit('pull:record-failed', {
          mapping,
          sfid: failure.sfid,
          error: { sqlState: failure.sqlState, message: failure.message },
          attempts: failure.attempts,
        }),
    }),
    push: new SalesforcePush({
      connection: options.connection,
      strategy: options.writeStrategy ?? new OrderedWriteStrategy(),
      retryPolicy: options.retryPolicy,
      leaseMs: options.pushLeaseMs,
      budget,
      onRecordFailed: (event) => events.emit('record:failed', event),
    }),
  }
}

/**
 * The default change sources: Change Data Capture streaming and polling for Salesforce,
 * LISTEN/NOTIFY and a 2-minute poll for Postgres. @internal
 */
export function defaultSources(): ChangeSource[] {
  return [
    new SalesforceStreamingSource(),
    new SalesforcePollingSource(),
    new PostgresNotifySource(),
    new PostgresPollingSource(),
  ]
}
