import { SalesforcePull } from '../pull/salesforce-pull.js'
import { SalesforcePush } from '../push/salesforce-push.js'
import type { ChangeCapture } from '../runs/change-event.js'
import type { Emit } from '../runs/emit.js'
import type { ChangeSource } from '../sources/change-source.js'
import { PostgresNotifySource } from '../sources/postgres-notify-source.js'
import { PostgresPollingSource } from '../sources/postgres-polling-source.js'
import { SalesforcePollingSource } from '../sources/salesforce-polling-source.js'
import { SalesforcePubSubSource } from '../sources/salesforce-pubsub-source.js'
import { SalesforceStreamingSource } from '../sources/salesforce-streaming-source.js'
import type { SyncStore } from '../store/sync-store.js'
import { OrderedWriteStrategy } from '../strategies/ordered-write-strategy.js'
import type { EngineRunners } from './engine-runners.js'
import type { ResolvedEngineOptions } from './resolve-engine-options.js'
import type { SyncEngineEvents } from './sync-engine-events.js'

/** The real pull and push, reporting through the engine's `emit`. @internal */
export function defaultRunners(
  options: ResolvedEngineOptions,
  store: SyncStore,
  emit: Emit<SyncEngineEvents>,
  changes: ChangeCapture,
): EngineRunners {
  return {
    pull: new SalesforcePull({ store, tuning: options.tuning.pull, emit, changes }),
    push: new SalesforcePush({
      store,
      strategy: options.writeStrategy ?? new OrderedWriteStrategy(),
      retryPolicy: options.retryPolicy,
      claimSize: options.tuning.push.claimSize,
      leaseMs: options.pushLeaseMs,
      emit,
      changes,
    }),
  }
}

/**
 * The default change sources: Change Data Capture streaming (CometD unless `streaming` says
 * otherwise: docs/guides/change-sources.md) and polling for Salesforce, LISTEN/NOTIFY and a
 * 2-minute poll for Postgres. @internal
 */
export function defaultSources(
  streaming: 'cometd' | 'pubsub' | ChangeSource = 'cometd',
): ChangeSource[] {
  return [
    streaming === 'cometd'
      ? new SalesforceStreamingSource()
      : streaming === 'pubsub'
        ? new SalesforcePubSubSource()
        : streaming,
    new SalesforcePollingSource(),
    new PostgresNotifySource(),
    new PostgresPollingSource(),
  ]
}
