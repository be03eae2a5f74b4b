import { ConfigError, type ConfigProblem } from '../errors/config-error.js'
import { defaultColumn, defineMapping, type MappingOptions } from './define-mapping.js'
import type {
  HerokuConnectExport,
  HerokuConnectMapping,
  WriteAlgorithm,
} from './heroku-connect-export.js'
import type { Mapping, MappingAccess } from './mapping.js'

export type { HerokuConnectExport, WriteAlgorithm } from './heroku-connect-export.js'

/** Something in a Heroku Connect export that pgforce does not carry, and where it is. */
export interface HerokuConnectNote {
  /** Where in the export, e.g. `connection.features.rest_count_only` or `mappings[1] (Contact).config.fields.Name`. */
  readonly path: string
  readonly message: string
}

/** What a Heroku Connect export becomes. */
export interface HerokuConnectImport {
  /** One mapping per exported mapping: access, fields, upsert field, polling interval, indexes. */
  readonly mappings: Mapping[]
  /** `merged` when `poll_db_no_merge` is false, else `ordered` (Heroku Connect's default). */
  readonly writeAlgorithm: WriteAlgorithm
  /** Whether Heroku Connect would use Bulk writes: ordered writes and bulk not disabled. */
  readonly bulkWrites: boolean
  /** Objects with Accelerated Polling on: give them a `SalesforceStreamingSource`. */
  readonly streamingObjects: string[]
  /** `sf_max_daily_api_calls` per object, for an API budget. */
  readonly dailyApiCalls: Readonly<Record<string, number>>
  /**
   * The connection's Salesforce API version (`connection.api_version`, e.g. `"57.0"`): pass it on,
   * `createConnection({ salesforce: { …, apiVersion } })`, to keep talking to the org as Heroku
   * Connect did. `undefined` when the export has none.
   */
  readonly apiVersion: string | undefined
  /**
   * Everything in the export pgforce does not carry over, each with its path: connection
   * features it does not implement, options it does not know, field options, indexes on fields
   * the mapping does not sync. Empty for a plain Heroku Connect export.
   */
  readonly notes: readonly HerokuConnectNote[]
}

const KNOWN_TOP = new Set(['version', 'connection', 'mappings'])
const KNOWN_CONNECTION = new Set([
  'app_name',
  'organization_id',
  'exported_at',
  'api_version',
  'name',
  'logplex_log_enabled',
  'features',
])
/** Features pgforce reads; the rest are reported when on. */
const READ_FEATURES = new Set(['poll_db_no_merge', 'disable_bulk_writes'])
const KNOWN_FEATURES = new Set([
  ...READ_FEATURES,
  'poll_external_ids',
  'rest_count_only',
  'ucs_basic_collation_index',
])
const KNOWN_CONFIG = new Set([
  'access',
  'sf_notify_enabled',
  'sf_polling_seconds',
  'sf_max_daily_api_calls',
  'fields',
  'indexes',
  'upsert_field',
  'applied_at',
  'pgforce',
])

/**
 * Turns Heroku Connect's exported configuration (the JSON of `heroku connect:export`) into pgforce
 * mappings and the engine choices it implies, so an app moves over with the same tables and
 * indexes. Fields are kept as listed (read-only ones too: they are pulled, never sent), a
 * parent's external id in either spelling (`Rel__r.Field`, or `Rel__r__Field` as Heroku Connect
 * names the column), per-field `indexes` as the mapping's `indexes`, and `api_version` as
 * `apiVersion`. What it cannot carry is listed in `notes`, never dropped silently. Throws one
 * `ConfigError` listing every mapping that cannot be converted. `exportMappings()` writes this
 * format back.
 *
 * @example
 * ```ts
 * const exported = JSON.parse(await readFile('connect-export.json', 'utf8'))
 * const { mappings, writeAlgorithm, apiVersion, notes } = mappingsFromHerokuConnect(exported)
 * for (const note of notes) console.warn(`${note.path}: ${note.message}`)
 * const connection = await createConnection({ salesforce: { ...auth, apiVersion }, postgres })
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
  const notes: HerokuConnectNote[] = []
  const note = (path: string, message: string) => notes.push({ path, message })
  connectionNotes(exported, note)
  const mappings: Mapping[] = []
  const streamingObjects: string[] = []
  const dailyApiCalls: Record<string, number> = {}
  for (const [index, entry] of exported.mappings.entries()) {
    const at = `mappings[${index}] (${entry?.object_name})`
    let options: MappingOptions
    try {
      options = mappingOptions(entry, `${at}.config`, note)
      mappings.push(defineMapping(options))
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      for (const p of error.problems) problems.push({ ...p, path: `${at}.${p.path}` })
      continue
    }
    const config = entry.config
    if (config.sf_notify_enabled) streamingObjects.push(entry.object_name)
    if (typeof config.sf_max_daily_api_calls === 'number')
      dailyApiCalls[entry.object_name] = config.sf_max_daily_api_calls
  }
  if (problems.length > 0) throw new ConfigError(problems, 'Heroku Connect export')
  const features = exported.connection?.features ?? {}
  // Ordered Writes is Heroku Connect's default: only an export that says `false` asked for merged.
  const writeAlgorithm: WriteAlgorithm = features.poll_db_no_merge === false ? 'merged' : 'ordered'
  const apiVersion = exported.connection?.api_version
  return {
    mappings,
    writeAlgorithm,
    bulkWrites: writeAlgorithm === 'ordered' && !features.disable_bulk_writes,
    streamingObjects,
    dailyApiCalls,
    apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined,
    notes,
  }
}

/**
 * A field as pgforce names it: Heroku Connect's column-style spelling of a parent's external id,
 * `Parent__r__Code__c`, becomes `Parent__r.Code__c` (same column, `parent__r__code__c`); other
 * names are kept.
 * @internal
 */
export function fieldFromHerokuConnect(name: string): string {
  if (name.includes('.')) return name
  const at = name.toLowerCase().indexOf('__r__')
  if (at < 1 || at + 5 >= name.length) return name
  return `${name.slice(0, at + 3)}.${name.slice(at + 5)}`
}

function mappingOptions(
  entry: HerokuConnectMapping,
  at: string,
  note: (path: string, message: string) => void,
): MappingOptions {
  const config = entry?.config ?? { fields: {} }
  for (const key of Object.keys(config)) {
    if (!KNOWN_CONFIG.has(key)) note(`${at}.${key}`, 'not an option pgforce knows: ignored')
  }
  const extras = config.pgforce ?? {}
  const fieldNames: string[] = []
  for (const [name, options] of Object.entries(config.fields ?? {})) {
    fieldNames.push(fieldFromHerokuConnect(name))
    if (isObject(options) && Object.keys(options).length > 0)
      note(`${at}.fields.${name}`, `field options ${JSON.stringify(options)} are not carried`)
  }
  const renamed = extras.columns ?? {}
  const fields =
    Object.keys(renamed).length === 0
      ? fieldNames
      : Object.fromEntries(fieldNames.map((f) => [f, renamed[f] ?? defaultColumn(f)]))
  const externalId = config.upsert_field ?? undefined
  if (extras.conflictPolicy === 'function')
    note(
      `${at}.pgforce.conflictPolicy`,
      'the mapping decided conflicts with a function, which an export cannot hold: set conflictPolicy in code',
    )
  if (extras.writeStrategy !== undefined)
    note(
      `${at}.pgforce.writeStrategy`,
      `the mapping had its own write strategy (${extras.writeStrategy}), which lives in code: set writeStrategy again`,
    )
  return {
    object: entry.object_name,
    table: extras.table,
    access: (config.access ?? 'read_only') as MappingAccess,
    fields,
    externalId,
    pollIntervalMs:
      extras.pollIntervalMs ??
      (config.sf_polling_seconds === undefined ? undefined : config.sf_polling_seconds * 1000),
    indexes: indexOptions(config.indexes, fieldNames, externalId, `${at}.indexes`, note),
    where: extras.where,
    deleteMode: extras.deleteMode,
    conflictPolicy:
      extras.conflictPolicy === undefined || extras.conflictPolicy === 'function'
        ? undefined
        : extras.conflictPolicy,
  }
}

/**
 * The export's `indexes` as `defineMapping()` takes them: `Id`'s and `SystemModstamp`'s are on
 * every table and the upsert field's is unique, so they are left to pgforce; an index on a field
 * the mapping does not sync is reported and left out.
 */
function indexOptions(
  indexes: Readonly<Record<string, { readonly unique?: boolean } | undefined>> | undefined,
  fields: readonly string[],
  externalId: string | undefined,
  at: string,
  note: (path: string, message: string) => void,
): Record<string, { unique: boolean }> {
  const mapped = new Set(
    [...fields, 'IsDeleted', 'CreatedDate', ...(externalId ? [externalId] : [])].map((f) =>
      f.toLowerCase(),
    ),
  )
  const out: Record<string, { unique: boolean }> = {}
  for (const [name, options] of Object.entries(indexes ?? {})) {
    const field = fieldFromHerokuConnect(name)
    const key = field.toLowerCase()
    const unique = isObject(options) && options.unique === true
    if (key === 'id') continue
    if (key === 'systemmodstamp') {
      if (unique) note(`${at}.${name}`, 'SystemModstamp keeps its plain index: unique not carried')
      continue
    }
    if (externalId !== undefined && key === externalId.toLowerCase()) {
      if (!unique)
        note(
          `${at}.${name}`,
          `the upsert field's index is unique in pgforce (hcu_idx_…), as Heroku Connect creates it`,
        )
      continue
    }
    if (!mapped.has(key)) {
      note(`${at}.${name}`, 'an index on a field the mapping does not sync: left out')
      continue
    }
    out[field] = { unique }
  }
  return out
}

function connectionNotes(
  exported: HerokuConnectExport,
  note: (path: string, message: string) => void,
): void {
  for (const key of Object.keys(exported)) {
    if (!KNOWN_TOP.has(key)) note(key, 'not part of a Heroku Connect export pgforce knows: ignored')
  }
  if (exported.version !== undefined && exported.version !== 1)
    note('version', `export version ${exported.version}: read as version 1`)
  const connection = exported.connection ?? {}
  for (const key of Object.keys(connection)) {
    if (!KNOWN_CONNECTION.has(key))
      note(`connection.${key}`, 'not a connection setting pgforce knows: ignored')
  }
  if (connection.logplex_log_enabled === true)
    note(
      'connection.logplex_log_enabled',
      "pgforce logs through the engine's `logger` option, not Logplex",
    )
  for (const [feature, value] of Object.entries(connection.features ?? {})) {
    if (READ_FEATURES.has(feature) || value === false || value === undefined) continue
    note(
      `connection.features.${feature}`,
      KNOWN_FEATURES.has(feature)
        ? 'not implemented by pgforce: it works as with this feature off'
        : 'a feature pgforce does not know: ignored',
    )
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
