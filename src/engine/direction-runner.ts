import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeSignal } from '../sources/change-source.js'
import type { PullReport, PushReport } from './sync-engine-events.js'

/**
 * Runs one direction of one mapping once: a pull (Salesforce → Postgres) or a push (Postgres →
 * Salesforce). The engine's scheduler calls it, one run per mapping and direction at a time, with
 * the signals gathered since the last run.
 * @internal
 */
export interface DirectionRunner<Report extends PullReport | PushReport> {
  run(plan: MappingSchema, hints: readonly ChangeSignal[], signal: AbortSignal): Promise<Report>
}
