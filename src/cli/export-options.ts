import type { SyncEngineOptions } from '../engine/resolve-engine-options.js'
import type { ExportMappingsOptions } from '../mappings/export-mappings.js'
import { JsforceAdapter } from '../salesforce/jsforce/jsforce-adapter.js'
import { SalesforceStreamingSource } from '../sources/salesforce-streaming-source.js'

/**
 * What `pgforce export` records besides the mappings, read from the engine options of
 * `pgforce.config`: the write algorithm from the engine's write strategy (ordered unless merged;
 * `bulk` is ordered with bulk writes), streaming notifications for the objects a
 * `SalesforceStreamingSource` streams (every mapping's with the default sources), daily API
 * budgets from `apiBudget.perMapping`, and the API version the connection's `JsforceAdapter`
 * talks (`apiVersion` overrides it).
 */
export function exportOptionsFor(
  config: SyncEngineOptions,
  apiVersion: string | undefined,
): ExportMappingsOptions {
  const strategy = config.writeStrategy?.name
  const objects = config.mappings.map((m) => m.object)
  const streaming = config.sources
    ? config.sources.flatMap((source) =>
        source instanceof SalesforceStreamingSource ? (source.objects ?? objects) : [],
      )
    : objects
  const salesforce = config.connection.salesforce
  return {
    writeAlgorithm: strategy === 'merged' ? 'merged' : 'ordered',
    bulkWrites: strategy === 'bulk',
    streamingObjects: streaming,
    dailyApiCalls: config.apiBudget?.perMapping,
    apiVersion:
      apiVersion ??
      (salesforce instanceof JsforceAdapter ? salesforce.connection.version : undefined),
  }
}
