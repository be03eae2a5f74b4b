import { PgforceError } from '../errors/pgforce-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'
import type { Emit } from '../runs/emit.js'
import type { ChangeSignal, SyncDirection } from '../sources/change-source.js'
import type { EngineRunners } from './engine-runners.js'
import type { SalesforceMeter } from './salesforce-meter.js'
import type { SyncEngineEvents } from './sync-engine-events.js'

/**
 * How the engine asks a run to stop (docs/spec/engine-lifecycle.md, "Stopping"): `signal` is
 * aborted when the engine is stopping (runs end at their next safe point), `abandon` when the stop
 * will not wait any longer (Salesforce calls in flight are given up). @internal
 */
export interface RunControl {
  readonly signal: AbortSignal
  readonly abandon: AbortSignal
}

/** A control that never stops: for `syncOnce()` and `reload()`. @internal */
export function runToCompletion(): RunControl {
  const never = new AbortController().signal
  return { signal: never, abandon: never }
}

/** What one run reported: a pull's report or a push's, told apart by `direction`. */
export type RunReport = PullReport | PushReport

/**
 * The one way a mapping is pulled or pushed, whoever asks — `syncOnce()`, `reload()` or the
 * running engine's scheduler (docs/concepts/architecture.md): the run gets the mapping's metered
 * door to Salesforce, its events are emitted (`pull:started`, `pull:completed`,
 * `push:completed`, and `pull:failed`/`push:failed` for the caller to emit with its retry delay),
 * and the calls it made are written to the API usage table.
 * @internal
 */
export class MappingRuns {
  private readonly runners: () => EngineRunners
  private readonly meter: SalesforceMeter
  private readonly emit: Emit<SyncEngineEvents>

  constructor(options: {
    runners: () => EngineRunners
    meter: SalesforceMeter
    emit: Emit<SyncEngineEvents>
  }) {
    this.runners = options.runners
    this.meter = options.meter
    this.emit = options.emit
  }

  /** Runs `direction` of `plan` once, with the signals gathered for it. */
  run(
    direction: 'pull',
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<PullReport>
  run(
    direction: 'push',
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<PushReport>
  run(
    direction: SyncDirection,
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<RunReport>
  async run(
    direction: SyncDirection,
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<RunReport> {
    const salesforce = this.meter.for(plan.object, control.abandon)
    const context = { salesforce, signal: control.signal }
    try {
      if (direction === 'pull') {
        this.emit('pull:started', { mapping: plan.object, reason: hints[0]?.reason ?? 'poll' })
        const report = await this.runners().pull.run(plan, hints, context)
        const done: PullReport = { ...report, apiCalls: salesforce.calls }
        this.emit('pull:completed', done)
        return done
      }
      const report = await this.runners().push.run(plan, hints, context)
      const done: PushReport = { ...report, apiCalls: salesforce.calls }
      this.emit('push:completed', done)
      return done
    } finally {
      await this.meter.flush()
    }
  }

  /** Emits `pull:failed` / `push:failed` for a run that threw. */
  failed(
    direction: SyncDirection,
    mapping: string,
    error: unknown,
    retryInMs: number | undefined,
  ): void {
    const wrapped = error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error))
    this.emit(direction === 'pull' ? 'pull:failed' : 'push:failed', {
      mapping,
      error: wrapped,
      retryInMs,
    })
  }
}
