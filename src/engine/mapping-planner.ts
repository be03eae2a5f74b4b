import type { Connection } from '../connection/connection.js'
import { ConfigError } from '../errors/config-error.js'
import { EngineStateError } from '../errors/engine-state-error.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { Mapping } from '../mappings/mapping.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { lookupParents, planMappings } from '../mappings/plan-mappings.js'
import {
  type ColumnDriftOutcome,
  installColumnDrift,
  type RecordedMapping,
} from '../postgres/install/drift-installer.js'
import type { SObjectDescribe } from '../salesforce/salesforce-types.js'
import type { FailedEntryFilter } from '../store/failed-entries.js'
import type { SalesforceMeter } from './salesforce-meter.js'

/** Options of {@link MappingPlanner}. @internal */
export interface MappingPlannerOptions {
  readonly connection: Connection
  readonly mappings: readonly Mapping[]
  readonly meter: SalesforceMeter
  /** What `_pgforce_mapping` records for each installed table (empty before `install()`). */
  readonly recorded: () => Promise<Map<string, RecordedMapping>>
  /** Told what differs between each installed table and its fresh plan, after it was handled. */
  readonly onDrift?: (outcome: ColumnDriftOutcome) => Promise<void>
}

/**
 * Checks an engine's mappings against the org's describes (each describe one metered API call)
 * and keeps the result: every pull, push, install, reconcile and status works from these plans.
 * `refresh()` describes again (never from a cache) and re-plans, so a running engine follows
 * changes made in Salesforce's Setup (docs/guides/mappings.md, "When Salesforce changes"): an
 * installed field Salesforce deleted is planned as missing, and each installed table is brought
 * in line with its plan (`installColumnDrift()`: widened, retyped, or kept and reported) before
 * the plan is used.
 * @internal
 */
export class MappingPlanner {
  private readonly options: MappingPlannerOptions
  private readonly describes = new Map<string, SObjectDescribe | undefined>()
  private cached: Promise<Map<string, MappingSchema>> | undefined
  private latest: Map<string, MappingSchema> | undefined
  /** Loads and refreshes run one after the other. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(options: MappingPlannerOptions) {
    this.options = options
  }

  /** The plans, by lower-cased object name (describes fetched on first use). */
  plans(): Promise<Map<string, MappingSchema>> {
    if (this.options.connection.closed)
      return Promise.reject(new EngineStateError('The connection is closed'))
    if (!this.cached) {
      const loading = this.queue.then(() => this.load(undefined, false))
      this.queue = loading.catch(() => {})
      this.cached = loading
      loading.catch(() => {
        if (this.cached === loading) this.cached = undefined
      })
    }
    return this.cached
  }

  /** The describe the plans were made from, for `diagnose()` (after `plans()`). */
  describeOf(object: string): SObjectDescribe | undefined {
    return this.describes.get(object)
  }

  /** The plans as last made, for a running engine (which starts once they are). */
  current(): ReadonlyMap<string, MappingSchema> | undefined {
    return this.latest
  }

  /**
   * Describes `objects` (all mapped objects when omitted) and the parents of their lookup columns
   * again, from Salesforce, and re-plans; the new plans replace the old once made. A refresh that
   * fails leaves the plans as they were.
   */
  refresh(objects?: readonly string[]): Promise<Map<string, MappingSchema>> {
    if (this.options.connection.closed)
      return Promise.reject(new EngineStateError('The connection is closed'))
    const refreshed = this.queue.then(() => this.load(objects, true))
    this.queue = refreshed.catch(() => {})
    return refreshed.then((plans) => {
      this.cached = Promise.resolve(plans)
      return plans
    })
  }

  /** The read/write plans a failed-entry filter selects; an unknown object is a `ConfigError`. */
  async select(filter: FailedEntryFilter): Promise<MappingSchema[]> {
    const plans = [...(await this.plans()).values()].filter(
      (p) => p.mapping.access === 'read_write',
    )
    return pick(plans, filter.objects, 'an object of a read_write mapping', 'failed-entry filter')
  }

  /** The plans (any access) of `objects`, or all; an unknown object is a `ConfigError`. */
  async selectAny(
    objects: readonly string[] | undefined,
    context: string,
  ): Promise<MappingSchema[]> {
    return pick([...(await this.plans()).values()], objects, 'the object of a mapping', context)
  }

  private async load(
    objects: readonly string[] | undefined,
    fresh: boolean,
  ): Promise<Map<string, MappingSchema>> {
    const { mappings, meter, connection } = this.options
    const wanted = new Set((objects ?? mappings.map((m) => m.object)).map((o) => o.toLowerCase()))
    const describeInto = async (object: string, refresh: boolean) => {
      try {
        this.describes.set(object, await meter.for(object).describe(object, { refresh }))
      } catch (error) {
        if (
          !(
            error instanceof SalesforceApiError &&
            (error.errorCode === 'NOT_FOUND' || error.statusCode === 404)
          )
        )
          throw error
        this.describes.set(object, undefined)
      }
    }
    // The objects asked for, and any never described yet.
    await Promise.all(
      mappings
        .filter((m) => wanted.has(m.object.toLowerCase()) || !this.describes.has(m.object))
        .map((m) => describeInto(m.object, fresh)),
    )
    // Parents of `Relationship.Field` columns that are not mapped themselves.
    const known = new Set(mappings.map((m) => this.describes.get(m.object)?.name.toLowerCase()))
    const parents = new Set<string>()
    for (const mapping of mappings) {
      const describe = this.describes.get(mapping.object)
      if (!describe) continue
      const again = fresh && wanted.has(mapping.object.toLowerCase())
      for (const parent of lookupParents(mapping, describe)) {
        if (!known.has(parent.toLowerCase()) && (again || !this.describes.has(parent)))
          parents.add(parent)
      }
    }
    await Promise.all([...parents].map((parent) => describeInto(parent, fresh)))
    await meter.flush()
    const recorded = await this.options.recorded()
    const installed = new Map(
      [...recorded].map(([table, r]) => [
        table,
        r.columns.map((c) => ({ field: c.field, column: c.column })),
      ]),
    )
    const plans: MappingSchema[] = []
    for (const plan of planMappings(mappings, this.describes, installed)) {
      const record = recorded.get(plan.mapping.table)
      if (!record) {
        plans.push(plan)
        continue
      }
      const outcome = await installColumnDrift(connection.pool, connection.schema, plan, record)
      await this.options.onDrift?.(outcome)
      plans.push(outcome.plan)
    }
    const byObject = new Map(plans.map((plan) => [plan.object.toLowerCase(), plan]))
    this.latest = byObject
    return byObject
  }
}

/** The plans of `objects` (all when undefined); an object none of them syncs is a `ConfigError`. */
function pick(
  plans: MappingSchema[],
  objects: readonly string[] | undefined,
  expected: string,
  context: string,
): MappingSchema[] {
  if (!objects) return plans
  const wanted = new Set(objects.map((o) => o.toLowerCase()))
  const unknown = [...wanted].filter((o) => !plans.some((p) => p.object.toLowerCase() === o))
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((o) => ({ path: 'objects', expected, received: `"${o}"` })),
      context,
    )
  }
  return plans.filter((p) => wanted.has(p.object.toLowerCase()))
}
