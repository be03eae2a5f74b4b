import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'
import type { DirectionRunner } from '../runs/direction-runner.js'

/** The pull and push implementations an engine runs. @internal */
export interface EngineRunners {
  readonly pull: DirectionRunner<PullReport>
  readonly push: DirectionRunner<PushReport>
}

const overrides = new WeakMap<object, EngineRunners>()

/**
 * Test seam: makes `engine` run these instead of the real pull and push. Call it right after
 * `new SyncEngine(…)`, before the engine runs anything. Not part of the public API. @internal
 */
export function useRunners(engine: object, runners: EngineRunners): void {
  overrides.set(engine, runners)
}

/** The runners a test gave `engine`, if any. @internal */
export function runnersOverride(engine: object): EngineRunners | undefined {
  return overrides.get(engine)
}
