import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeSignal } from '../sources/change-source.js'
import type { PullReport, PushReport } from './sync-engine-events.js'

/**
 * How the engine tells a run to stop (docs/spec/engine-lifecycle.md, "Stopping"):
 * - `signal` is aborted when the engine is stopping: the run makes no new Salesforce call, commits
 *   what it has, gives back what it claimed, and returns early (a partial report);
 * - `abandon` is aborted when the stop will not wait any longer (`graceful: false`, or its
 *   `timeoutMs` passed): Salesforce calls in flight are given up (they reject at once; their
 *   entries go back to NEW).
 * @internal
 */
export interface RunControl {
  readonly signal: AbortSignal
  readonly abandon: AbortSignal
}

/**
 * Runs one direction of one mapping once: a pull (Salesforce → Postgres) or a push (Postgres →
 * Salesforce). The engine's scheduler calls it, one run per mapping and direction at a time, with
 * the signals gathered since the last run.
 * @internal
 */
export interface DirectionRunner<Report extends PullReport | PushReport> {
  run(plan: MappingSchema, hints: readonly ChangeSignal[], control: RunControl): Promise<Report>
}

/** A control that never stops: for `syncOnce()`, `reload()` and tests. @internal */
export function runToCompletion(): RunControl {
  const never = new AbortController().signal
  return { signal: never, abandon: never }
}
