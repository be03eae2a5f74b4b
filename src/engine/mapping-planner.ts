import type { Connection } from '../connection/connection.js'
import { ConfigError } from '../errors/config-error.js'
import { EngineStateError } from '../errors/engine-state-error.js'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { Mapping } from '../mappings/mapping.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import { lookupParents, planMappings } from '../mappings/plan-mappings.js'
import type { SObjectDescribe } from '../salesforce/salesforce-types.js'
import type { FailedEntryFilter } from '../store/failed-entries.js'
import type { SalesforceMeter } from './salesforce-meter.js'

/**
 * Checks an engine's mappings against the org's describes once (each describe one metered API
 * call), and keeps the result: every pull, push, install, reconcile and status works from these
 * plans. @internal
 */
export class MappingPlanner {
  private readonly connection: Connection
  private readonly mappings: readonly Mapping[]
  private readonly meter: SalesforceMeter
  private cached: Promise<Map<string, MappingSchema>> | undefined

  constructor(connection: Connection, mappings: readonly Mapping[], meter: SalesforceMeter) {
    this.connection = connection
    this.mappings = mappings
    this.meter = meter
  }

  /** The plans, by lower-cased object name (describes fetched on first use). */
  plans(): Promise<Map<string, MappingSchema>> {
    if (this.connection.closed)
      return Promise.reject(new EngineStateError('The connection is closed'))
    this.cached ??= this.load()
    this.cached.catch(() => {
      this.cached = undefined
    })
    return this.cached
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

  private async load(): Promise<Map<string, MappingSchema>> {
    const describes = new Map<string, SObjectDescribe | undefined>()
    const describeInto = async (object: string) => {
      try {
        describes.set(object, await this.meter.for(object).describe(object))
      } catch (error) {
        if (
          !(
            error instanceof SalesforceApiError &&
            (error.errorCode === 'NOT_FOUND' || error.statusCode === 404)
          )
        )
          throw error
        describes.set(object, undefined)
      }
    }
    await Promise.all(this.mappings.map((mapping) => describeInto(mapping.object)))
    // Parents of `Relationship.Field` columns that are not mapped themselves.
    const known = new Set([...describes.values()].map((d) => d?.name.toLowerCase()))
    const parents = new Set<string>()
    for (const mapping of this.mappings) {
      const describe = describes.get(mapping.object)
      if (!describe) continue
      for (const parent of lookupParents(mapping, describe)) {
        if (!known.has(parent.toLowerCase())) parents.add(parent)
      }
    }
    await Promise.all([...parents].map((parent) => describeInto(parent)))
    await this.meter.flush()
    const plans = planMappings(this.mappings, describes)
    return new Map(plans.map((plan) => [plan.object.toLowerCase(), plan]))
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
