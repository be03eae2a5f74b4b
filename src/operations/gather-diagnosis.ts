import type { EngineStatus } from '../engine/engine-status.js'
import type { ResolvedEngineOptions } from '../engine/resolve-engine-options.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { JsforceAdapter } from '../salesforce/jsforce/jsforce-adapter.js'
import type { SObjectDescribe } from '../salesforce/salesforce-types.js'
import type { ChangeSource } from '../sources/change-source.js'
import { SalesforceStreamingSource } from '../sources/salesforce-streaming-source.js'
import { mappingActivity } from '../store/mapping-activity.js'
import type { SyncStore } from '../store/sync-store.js'
import { type Diagnosis, diagnoseFacts, type MappingFacts } from './diagnosis.js'

/** What `engine.diagnose()` reads, handed over by the engine. @internal */
export interface DiagnosisSources {
  readonly options: ResolvedEngineOptions
  readonly sources: readonly ChangeSource[]
  readonly store: SyncStore
  plans(): Promise<Map<string, MappingSchema>>
  describeOf(object: string): SObjectDescribe | undefined
  status(): Promise<EngineStatus>
  installProblem(): Promise<string | undefined>
  usedToday(): Promise<Map<string, number>>
}

/** Gathers the facts (describes, status, activity, budgets) and grades them. @internal */
export async function gatherDiagnosis(from: DiagnosisSources): Promise<Diagnosis> {
  const { options, store } = from
  const { connection } = options
  const salesforce = connection.salesforce
  let salesforceError: string | undefined
  const plans = await from.plans().catch((error: unknown) => {
    salesforceError = error instanceof Error ? error.message : String(error)
    return new Map<string, MappingSchema>()
  })
  const installProblem = salesforceError ? undefined : await from.installProblem()
  const status = salesforceError ? undefined : await from.status()
  const warnings = status?.warnings ?? (await store.warnings.open())
  const tables = [...plans.values()].map((p) => p.mapping.table)
  const activity = installProblem
    ? new Map()
    : await mappingActivity(store.pool, connection.schema, tables)
  const today = await from.usedToday().catch(() => new Map<string, number>())
  const perMapping = Object.entries(options.apiBudget.perMapping ?? {})
  const mappings: MappingFacts[] = []
  for (const plan of plans.values()) {
    const mappingStatus = status?.mappings.find((m) => m.object === plan.object)
    if (!mappingStatus) continue
    mappings.push({
      plan,
      describe: from.describeOf(plan.object),
      status: mappingStatus,
      activity: activity.get(plan.mapping.table),
      budget: perMapping.find(([name]) => name.toLowerCase() === plan.object.toLowerCase())?.[1],
    })
  }
  const sources = options.sources
  return diagnoseFacts({
    apiVersion: salesforce instanceof JsforceAdapter ? salesforce.connection.version : undefined,
    auth: salesforce instanceof JsforceAdapter ? salesforce.authFlow : undefined,
    salesforceError,
    installProblem,
    paused: status?.paused ?? (await store.pauseSwitch.read()).paused,
    mappings,
    warnings,
    dailyBudget: options.apiBudget.dailyCalls,
    callsToday:
      today.get('*') ??
      [...today.entries()].reduce((sum, [k, n]) => (k === '*' ? sum : sum + n), 0),
    orgUsage: salesforce.apiUsage,
    backlogWarningMs: options.operations.backlogWarningMs,
    streaming:
      sources === undefined || from.sources.some((s) => s instanceof SalesforceStreamingSource),
  })
}
