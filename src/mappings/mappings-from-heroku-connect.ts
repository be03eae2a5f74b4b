import { ConfigError, type ConfigProblem } from '../errors/config-error.js'
import { defineMapping } from './define-mapping.js'
import type { Mapping, MappingAccess } from './mapping.js'

/** The parts of a Heroku Connect export (`heroku connect:export`) that pgforce reads. */
export interface HerokuConnectExport {
  readonly version?: number
  readonly connection?: {
    readonly name?: string
    readonly features?: {
      readonly poll_db_no_merge?: boolean
      readonly disable_bulk_writes?: boolean
      readonly [feature: string]: unknown
    }
    readonly [key: string]: unknown
  }
  readonly mappings: readonly {
    readonly object_name: string
    readonly config: {
      readonly access?: string
      readonly sf_notify_enabled?: boolean
      readonly sf_polling_seconds?: number
      readonly sf_max_daily_api_calls?: number
      readonly fields: Readonly<Record<string, unknown>>
      readonly upsert_field?: string | null
      readonly [key: string]: unknown
    }
  }[]
}

/** Heroku Connect's write algorithm, from `features.poll_db_no_merge`. */
export type WriteAlgorithm = 'ordered' | 'merged'

/** What a Heroku Connect export becomes. */
export interface HerokuConnectImport {
  /** One mapping per exported mapping: access, fields, upsert field, polling interval. */
  readonly mappings: Mapping[]
  /** `ordered` when `poll_db_no_merge` is true, else `merged` (Heroku Connect's rule). */
  readonly writeAlgorithm: WriteAlgorithm
  /** Whether Heroku Connect would use Bulk writes: ordered writes and bulk not disabled. */
  readonly bulkWrites: boolean
  /** Objects with Accelerated Polling on: give them a `SalesforceStreamingSource`. */
  readonly streamingObjects: string[]
  /** `sf_max_daily_api_calls` per object, for an API budget. */
  readonly dailyApiCalls: Readonly<Record<string, number>>
}

/**
 * Turns Heroku Connect's exported configuration (the JSON of `heroku connect:export`) into pgforce
 * mappings and the engine choices it implies, so an app moves over with the same tables. Throws
 * one `ConfigError` listing every mapping that cannot be converted.
 *
 * @example
 * ```ts
 * const exported = JSON.parse(await readFile('connect-export.json', 'utf8'))
 * const { mappings, writeAlgorithm } = mappingsFromHerokuConnect(exported)
 * const engine = new SyncEngine({
 *   connection, mappings,
 *   writeStrategy: writeAlgorithm === 'merged' ? new MergedWriteStrategy() : new OrderedWriteStrategy(),
 * })
 * ```
 */
export function mappingsFromHerokuConnect(exported: HerokuConnectExport): HerokuConnectImport {
  const problems: ConfigProblem[] = []
  if (typeof exported !== 'object' || exported === null || !Array.isArray(exported.mappings)) {
    throw new ConfigError(
      [
        {
          path: 'mappings',
          expected: 'a Heroku Connect export with a "mappings" list',
          received: typeof exported,
        },
      ],
      'Heroku Connect export',
    )
  }
  const mappings: Mapping[] = []
  const streamingObjects: string[] = []
  const dailyApiCalls: Record<string, number> = {}
  for (const [index, entry] of exported.mappings.entries()) {
    const config = entry.config ?? { fields: {} }
    try {
      mappings.push(
        defineMapping({
          object: entry.object_name,
          access: (config.access ?? 'read_only') as MappingAccess,
          fields: Object.keys(config.fields ?? {}),
          externalId: config.upsert_field ?? undefined,
          pollIntervalMs:
            config.sf_polling_seconds === undefined ? undefined : config.sf_polling_seconds * 1000,
        }),
      )
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      for (const p of error.problems)
        problems.push({ ...p, path: `mappings[${index}] (${entry.object_name}).${p.path}` })
      continue
    }
    if (config.sf_notify_enabled) streamingObjects.push(entry.object_name)
    if (typeof config.sf_max_daily_api_calls === 'number')
      dailyApiCalls[entry.object_name] = config.sf_max_daily_api_calls
  }
  if (problems.length > 0) throw new ConfigError(problems, 'Heroku Connect export')
  const features = exported.connection?.features ?? {}
  const writeAlgorithm: WriteAlgorithm = features.poll_db_no_merge ? 'ordered' : 'merged'
  return {
    mappings,
    writeAlgorithm,
    bulkWrites: writeAlgorithm === 'ordered' && !features.disable_bulk_writes,
    streamingObjects,
    dailyApiCalls,
  }
}
