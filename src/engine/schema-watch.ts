import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { MappingDrift } from '../mappings/column-drift.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ColumnDriftOutcome } from '../postgres/install/drift-installer.js'
import type { Emit } from '../runs/emit.js'
import type { SyncStore } from '../store/sync-store.js'
import type { MappingPlanner } from './mapping-planner.js'

/** The events schema drift raises (part of `SyncEngineEvents`). */
export interface DriftEvents {
  /**
   * A mapped field changed in Salesforce, or was added to the mapping, and the engine followed
   * (docs/guides/mappings.md, "When Salesforce changes"): its column was `widened` or `retyped`,
   * kept and reported (`type-changed`, `deleted`), or is being loaded for existing rows
   * (`added`, `restored`). Reported once per engine for what stays (`deleted`, `type-changed`);
   * `status()` lists those.
   */
  'mapping:drift': [event: MappingDrift]
}

/**
 * SQLSTATEs of values a column refuses because the field changed: too long (22001), out of range
 * (22003), not of the column's type (22P02: a decimal in an `integer` column, text in a number).
 */
const DOES_NOT_FIT = ['22001', '22003', '22P02']

/** Least time between two describes a pull's refused values ask for, per mapping. */
const REFUSAL_REFRESH_MS = 60_000

/**
 * Follows Salesforce schema changes for an engine (docs/guides/mappings.md, "When Salesforce
 * changes"): reports what each planning found (`mapping:drift`, once per engine for what stays),
 * makes refused records due again when a column was widened or retyped, and re-plans a mapping at
 * once when a run shows its plan is stale: Salesforce answered `INVALID_FIELD` ("No such column")
 * for its query or its write, or Postgres refused values as too long, out of range or not of the
 * column's type (22001, 22003, 22P02; at most one describe a minute per mapping for those).
 * @internal
 */
export class SchemaWatch {
  private readonly store: SyncStore
  private readonly emit: Emit<DriftEvents>
  private readonly planner: () => MappingPlanner
  private readonly reported = new Set<string>()
  private readonly refusalRefreshAt = new Map<string, number>()

  constructor(options: {
    store: SyncStore
    emit: Emit<DriftEvents>
    /** The engine's planner (made after this watch, which it reports to). */
    planner: () => MappingPlanner
  }) {
    this.store = options.store
    this.emit = options.emit
    this.planner = options.planner
  }

  /** The planner's `onDrift`: reports news, and makes refused records due after a retype. */
  async onDrift(outcome: ColumnDriftOutcome): Promise<void> {
    for (const drift of outcome.drift) this.report(drift)
    if (outcome.altered.length > 0)
      await this.store.pullFailures.requestRetry([outcome.plan.mapping.table], undefined)
  }

  /** Emits a `mapping:drift` once per engine for what stays as it is. */
  report(drift: MappingDrift): void {
    const key = (change: string) => `${drift.table}|${drift.column}|${change}|${drift.to ?? ''}`
    if (drift.change === 'deleted' || drift.change === 'type-changed') {
      if (this.reported.has(key(drift.change))) return
      this.reported.add(key(drift.change))
    }
    if (drift.change === 'restored' || drift.change === 'widened' || drift.change === 'retyped') {
      for (const key of [...this.reported])
        if (key.startsWith(`${drift.table}|${drift.column}|`)) this.reported.delete(key)
    }
    this.emit('mapping:drift', drift)
  }

  /**
   * After a run of `plan` failed: when Salesforce said a field does not exist, describes the
   * object again and returns the new plan to run again with, if it differs.
   */
  async afterError(plan: MappingSchema, error: unknown): Promise<MappingSchema | undefined> {
    if (!isMissingFieldError(error)) return undefined
    return this.replan(plan)
  }

  /**
   * After a pull of `plan` set records aside: when some were refused as too long, out of range or
   * not of the column's type, describes the object again (at most once a minute); returns the new plan when a column was
   * widened or retyped (the refused records are then due at once).
   */
  async afterRefusals(plan: MappingSchema): Promise<MappingSchema | undefined> {
    const last = this.refusalRefreshAt.get(plan.object) ?? -Infinity
    if (Date.now() - last < REFUSAL_REFRESH_MS) return undefined
    if (!(await this.store.pullFailures.anyWith(plan.mapping.table, DOES_NOT_FIT))) return undefined
    this.refusalRefreshAt.set(plan.object, Date.now())
    return this.replan(plan)
  }

  private async replan(plan: MappingSchema): Promise<MappingSchema | undefined> {
    const fresh = (await this.planner().refresh([plan.object])).get(plan.object.toLowerCase())
    return fresh && signature(fresh) !== signature(plan) ? fresh : undefined
  }
}

/** Salesforce refused a query or write because a field it names does not exist. */
export function isMissingFieldError(error: unknown): boolean {
  return (
    error instanceof SalesforceApiError &&
    (error.errorCode === 'INVALID_FIELD' || /No such column/i.test(error.message))
  )
}

/** What a run does differently when it changes: the columns read and written, and their types. */
export function signature(plan: MappingSchema): string {
  return JSON.stringify([
    plan.columns.map((c) => [c.field, c.column, c.pgType, c.expectedType ?? null]),
    plan.writableColumns.map((c) => c.column),
    plan.missing ?? [],
    plan.externalId ?? null,
  ])
}
