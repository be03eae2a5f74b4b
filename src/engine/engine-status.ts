import type { EventEmitter } from 'eventemitter3'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { type MappingPhases, type MappingState, mappingState } from '../operations/mapping-state.js'
import type { ApiUsage, FieldType } from '../salesforce/salesforce-types.js'
import type { TableState } from '../store/sync-state.js'
import type { Warning } from '../store/warning-store.js'
import type { ApiBudgetOptions } from './api-budget.js'
import type { EngineState } from './engine-lifecycle.js'
import type { PullReport, PushReport, SyncEngineEvents } from './sync-engine-events.js'

/** What one mapping is doing, as `engine.status()` reports it. */
export interface MappingStatus {
  readonly object: string
  readonly table: string
  readonly access: 'read_only' | 'read_write'
  /**
   * What the mapping is doing, in one word (names that map onto Heroku Connect's mapping states,
   * docs/guides/monitoring.md "Mapping states").
   */
  readonly state: MappingState
  /** The pull cursor: the last `(SystemModstamp, Id)` applied, if any. */
  readonly cursor: { readonly systemModstamp: string; readonly id: string } | undefined
  /** Entries waiting to be sent (NEW or PENDING). */
  readonly pending: number
  /** Entries Salesforce rejected, waiting for `retryFailed()` or `ignoreFailed()`. */
  readonly failed: number
  /**
   * Salesforce records Postgres refused (`pull:record-failed`), waiting in `_pgforce_pull_failure`
   * to be read again (when they change, every `pullFailureRetryMs`, or `retryPullFailures()`).
   */
  readonly pullFailed: number
  /** The oldest pending entry's capture time: how far behind the push is. */
  readonly oldestPendingAt: Date | undefined
  /** Milliseconds since the oldest pending entry was captured (0 when none is pending). */
  readonly pushLagMs: number
  /** Whether this engine leads the mapping's pulls (one engine does, among several workers). */
  readonly pullLeader: boolean
  /** Salesforce API calls this mapping's pulls and pushes made today (UTC), all workers. */
  readonly apiCallsToday: number
  readonly lastPull: (PullReport & { readonly at: Date }) | undefined
  readonly lastPush: (PushReport & { readonly at: Date }) | undefined
  /**
   * Mapped fields Salesforce no longer has (deleted, or hidden from the integration user): not
   * queried or sent, their columns keep their values (mappings guide, "When Salesforce changes").
   */
  readonly missingFields: readonly string[]
  /**
   * Fields whose type changed in Salesforce in a way their column could not follow: the column
   * kept its type, and a value it cannot hold unchanged fails alone (`pull:record-failed`).
   */
  readonly typeMismatches: readonly {
    readonly field: string
    readonly column: string
    /** The column's type. */
    readonly columnType: string
    /** The type the field would need. */
    readonly expectedType: string
    readonly salesforceType: FieldType
  }[]
  /** The last failure of a pull or push, cleared by the next success. */
  readonly lastError:
    | { readonly at: Date; readonly direction: 'pull' | 'push'; readonly message: string }
    | undefined
}

/** `engine.status()`. */
export interface EngineStatus {
  readonly state: EngineState
  /**
   * The shared pause switch is on (`engine.pause()` or `pgforce pause` on any worker, and no
   * resume since): every running engine on the database holds its runs.
   */
  readonly paused: boolean
  readonly mappings: readonly MappingStatus[]
  /** The open warnings (docs/guides/monitoring.md, "Warnings"), oldest first. */
  readonly warnings: readonly Warning[]
  /** API usage from the last Salesforce response that reported it. */
  readonly apiUsage: ApiUsage | undefined
  /** The daily API budgets the engine was given (`apiBudget` option; `{}` when unlimited). */
  readonly apiBudget: ApiBudgetOptions
}

/** In-memory record of each mapping's recent runs, fed by the engine's events. @internal */
export class RunHistory {
  readonly pulls = new Map<string, PullReport & { at: Date }>()
  readonly pushes = new Map<string, PushReport & { at: Date }>()
  readonly errors = new Map<string, { at: Date; direction: 'pull' | 'push'; message: string }>()

  /** Listens to an engine's run events. */
  constructor(events: EventEmitter<SyncEngineEvents>) {
    events.on('pull:completed', (report) => this.completed(this.pulls, report))
    events.on('push:completed', (report) => this.completed(this.pushes, report))
    events.on('pull:failed', ({ mapping, error }) => this.failed(mapping, 'pull', error))
    events.on('push:failed', ({ mapping, error }) => this.failed(mapping, 'push', error))
  }

  private completed<R extends { mapping: string }>(
    runs: Map<string, R & { at: Date }>,
    report: R,
  ): void {
    runs.set(report.mapping, { ...report, at: new Date() })
    this.errors.delete(report.mapping)
  }

  private failed(mapping: string, direction: 'pull' | 'push', error: Error): void {
    this.errors.set(mapping, { at: new Date(), direction, message: error.message })
  }
}

/** Each mapping's status, from the tables' state and what this engine knows. @internal */
export function mappingStatuses(
  plans: readonly MappingSchema[],
  tables: ReadonlyMap<string, TableState>,
  history: RunHistory,
  live: {
    readonly leading: ReadonlySet<string>
    readonly callsToday: ReadonlyMap<string, number>
    readonly paused: boolean
    readonly phases: MappingPhases | undefined
    readonly warnings: readonly Warning[]
  },
): MappingStatus[] {
  return plans.map((plan) => {
    const table = plan.mapping.table
    const state = tables.get(table)
    const lastError = history.errors.get(plan.object)
    const warned = (kind: Warning['kind']) =>
      live.warnings.some((w) => w.kind === kind && w.mapping === plan.object)
    return {
      object: plan.object,
      table,
      access: plan.mapping.access,
      state: mappingState({
        paused: live.paused,
        failing: lastError !== undefined || warned('repeated-failures'),
        drifted:
          (plan.missing ?? []).length > 0 ||
          plan.columns.some((c) => c.expectedType !== undefined) ||
          warned('schema-drift'),
        phase: live.phases?.of(plan.object),
        pulledOnce: state?.cursor !== undefined || history.pulls.has(plan.object),
      }),
      cursor: state?.cursor,
      pending: state?.pending ?? 0,
      failed: state?.failed ?? 0,
      pullFailed: state?.pullFailed ?? 0,
      oldestPendingAt: state?.oldestPendingAt,
      pushLagMs: state?.oldestPendingAt
        ? Math.max(0, Date.now() - state.oldestPendingAt.getTime())
        : 0,
      pullLeader: live.leading.has(plan.object),
      apiCallsToday: live.callsToday.get(plan.object.toLowerCase()) ?? 0,
      lastPull: history.pulls.get(plan.object),
      lastPush: history.pushes.get(plan.object),
      missingFields: (plan.missing ?? []).map((m) => m.field),
      typeMismatches: plan.columns.flatMap((c) =>
        c.expectedType === undefined
          ? []
          : [
              {
                field: c.field,
                column: c.column,
                columnType: c.pgType,
                expectedType: c.expectedType,
                salesforceType: c.sfType,
              },
            ],
      ),
      lastError,
    }
  })
}
