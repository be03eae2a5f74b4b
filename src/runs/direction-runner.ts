import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import type { ChangeSignal } from '../sources/change-source.js'

/**
 * What one run of a mapping is given by the engine (docs/concepts/architecture.md):
 * - `salesforce`: the mapping's door to Salesforce. Every call through it is counted and taken
 *   from the API budget, and when the engine's stop gives up waiting, calls in flight reject at
 *   once (docs/spec/engine-lifecycle.md, "Stopping");
 * - `signal`: aborted when the engine is stopping. The run makes no new Salesforce call, commits
 *   what it has, gives back what it claimed, and returns early (a partial report).
 * @internal
 */
export interface RunContext {
  readonly salesforce: SalesforceAdapter
  readonly signal: AbortSignal
  /**
   * A push calls it each time a round is about to send entries: the engine holds the trigger
   * log's doorbell while it drains (docs/concepts/design.md §5, "The doorbell").
   */
  readonly onSending?: () => void
}

/**
 * Runs one direction of one mapping once: a pull (Salesforce → Postgres) or a push (Postgres →
 * Salesforce), with the signals gathered since the last run. Reports what it did; the engine adds
 * the API calls its metered adapter counted.
 * @internal
 */
export interface DirectionRunner<Report extends { readonly apiCalls: number }> {
  run(
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    context: RunContext,
  ): Promise<Omit<Report, 'apiCalls'>>
}
