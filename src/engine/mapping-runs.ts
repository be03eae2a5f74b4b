import { PgforceError } from '../errors/pgforce-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { traceChannels } from '../operations/trace-channels.js'
import type { PullReport } from '../pull/pull-report.js'
import type { PushReport } from '../push/push-report.js'
import type { RunContext } from '../runs/direction-runner.js'
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
  /** Told each time a push's round is about to send entries (see `RunContext.onSending`). */
  readonly onSending?: () => void
}

/** A control that never stops: for `syncOnce()` and `reload()`. @internal */
export function runToCompletion(): RunControl {
  const never = new AbortController().signal
  return { signal: never, abandon: never }
}

/** What one run reported: a pull's report or a push's, told apart by `direction`. */
export type RunReport = PullReport | PushReport

/**
 * Re-plans a mapping when a run shows Salesforce's schema changed under it (`SchemaWatch`,
 * docs/guides/mappings.md "When Salesforce changes"): each answers a new plan to run again with,
 * or `undefined`. @internal
 */
export interface RunReplanner {
  /** The run threw `error` (Salesforce may have said a field does not exist). */
  afterError(plan: MappingSchema, error: unknown): Promise<MappingSchema | undefined>
  /** The pull set records aside (Postgres may have refused values too long for a column). */
  afterRefusals(plan: MappingSchema): Promise<MappingSchema | undefined>
}

/**
 * The one way a mapping is pulled or pushed, whoever asks — `syncOnce()`, `reload()` or the
 * running engine's scheduler (docs/concepts/architecture.md): the run gets the mapping's metered
 * door to Salesforce, its events are emitted (`pull:started`, `pull:completed`,
 * `push:completed`, and `pull:failed`/`push:failed` for the caller to emit with its retry delay),
 * and the calls it made are written to the API usage table. A run that finds its plan stale
 * (Salesforce's schema changed under it) is re-planned and run once more (`RunReplanner`).
 * @internal
 */
export class MappingRuns {
  private readonly runners: () => EngineRunners
  private readonly meter: SalesforceMeter
  private readonly emit: Emit<SyncEngineEvents>
  private readonly replanner: RunReplanner | undefined
  private readonly schema: string

  constructor(options: {
    runners: () => EngineRunners
    meter: SalesforceMeter
    emit: Emit<SyncEngineEvents>
    /** Re-plans a mapping whose schema changed under a run, which then runs once more. */
    replanner?: RunReplanner
    /** The connection's schema, in the tracing channels' contexts. */
    schema?: string
  }) {
    this.schema = options.schema ?? ''
    this.runners = options.runners
    this.meter = options.meter
    this.emit = options.emit
    this.replanner = options.replanner
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
  run(
    direction: SyncDirection,
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<RunReport> {
    // Traced on node:diagnostics_channel (docs/guides/monitoring.md, "Tracing channels").
    const channels = traceChannels()
    const { schema } = this
    const mapping = plan.object
    if (direction === 'push')
      return channels.push.tracePromise(() => this.runOnce(direction, plan, hints, control), {
        schema,
        mapping,
      })
    const pull = () =>
      channels.pull.tracePromise(
        () => this.runOnce('pull', plan, hints, control) as Promise<PullReport>,
        { schema, mapping, reason: hints[0]?.reason ?? 'poll' },
      )
    if (!channels.streamBatch.hasSubscribers) return pull()
    const stream = hints.filter((h) => h.reason === 'stream')
    if (stream.length === 0) return pull()
    const oldestCommittedAt = Math.min(...stream.map((h) => h.committedAt ?? Date.now()))
    return channels.streamBatch.tracePromise(pull, {
      schema,
      mapping,
      events: stream.length,
      oldestCommittedAt,
    })
  }

  private async runOnce(
    direction: SyncDirection,
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    control: RunControl,
  ): Promise<RunReport> {
    const salesforce = this.meter.for(plan.object, control.abandon)
    const context = { salesforce, signal: control.signal, onSending: control.onSending }
    try {
      if (direction === 'pull') {
        this.emit('pull:started', { mapping: plan.object, reason: hints[0]?.reason ?? 'poll' })
        const report = await this.pull(plan, hints, context)
        const done: PullReport = { ...report, apiCalls: salesforce.calls }
        this.emit('pull:completed', done)
        return done
      }
      const push = this.runners().push
      const { report } = await this.replanning(plan, (p) => push.run(p, hints, context))
      const done: PushReport = { ...report, apiCalls: salesforce.calls }
      this.emit('push:completed', done)
      return done
    } finally {
      await this.meter.flush()
    }
  }

  /**
   * A pull, re-planned when Salesforce's schema changed under it: run again with a fresh plan
   * after `INVALID_FIELD`, and again after refusals that a widened or retyped column now takes
   * (the records set aside are due at once); the report counts both runs, `failed` what still fails.
   */
  private async pull(
    plan: MappingSchema,
    hints: readonly ChangeSignal[],
    context: RunContext,
  ): Promise<Omit<PullReport, 'apiCalls'>> {
    const runner = this.runners().pull
    const first = await this.replanning(plan, (p) => runner.run(p, hints, context))
    const widened =
      first.report.failed > 0
        ? await this.replanner
            ?.afterRefusals(first.plan)
            .catch((error: unknown) => this.refreshFailed(error))
        : undefined
    if (!widened) return first.report
    const again = await runner.run(
      widened,
      [{ object: plan.object, direction: 'pull', reason: 'poll' }],
      context,
    )
    return {
      ...again,
      inserted: first.report.inserted + again.inserted,
      updated: first.report.updated + again.updated,
      deleted: first.report.deleted + again.deleted,
      keptUnsent: first.report.keptUnsent + again.keptUnsent,
      awaitingPush: [...(first.report.awaitingPush ?? []), ...(again.awaitingPush ?? [])],
      ...(first.report.recheckInMs === undefined && again.recheckInMs === undefined
        ? {}
        : {
            recheckInMs: Math.min(
              first.report.recheckInMs ?? Infinity,
              again.recheckInMs ?? Infinity,
            ),
          }),
      durationMs: first.report.durationMs + again.durationMs,
    }
  }

  /**
   * Runs `run` with `plan`; when it throws and the replanner finds the plan stale (a field
   * Salesforce no longer has), runs it once more with the new plan.
   */
  private async replanning<R>(
    plan: MappingSchema,
    run: (plan: MappingSchema) => Promise<R>,
  ): Promise<{ report: R; plan: MappingSchema }> {
    try {
      return { report: await run(plan), plan }
    } catch (error) {
      const fresh = await this.replanner
        ?.afterError(plan, error)
        .catch((e: unknown) => this.refreshFailed(e))
      if (!fresh) throw error
      return { report: await run(fresh), plan: fresh }
    }
  }

  /** A describe refresh a run asked for failed: an `error` event; the run goes on as it was. */
  private refreshFailed(error: unknown): undefined {
    const wrapped = error instanceof Error ? error : new PgforceError('ENGINE_STATE', String(error))
    this.emit('error', { error: wrapped, context: 'describe refresh' })
    return undefined
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
