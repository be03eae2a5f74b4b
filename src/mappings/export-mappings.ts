import { defaultColumn } from './define-mapping.js'
import {
  DEFAULT_DAILY_API_CALLS,
  type HerokuConnectExport,
  type HerokuConnectMapping,
  type PgforceMappingOptions,
  type WriteAlgorithm,
} from './heroku-connect-export.js'
import { type Mapping, SYSTEM_FIELDS } from './mapping.js'

/**
 * The engine choices an export records besides the mappings. `mappingsFromHerokuConnect()`'s
 * result has them all, so `exportMappings(imported.mappings, imported)` writes an import back.
 */
export interface ExportMappingsOptions {
  /** `features.poll_db_no_merge`: `ordered` (true) or `merged` (false). @default 'ordered' */
  readonly writeAlgorithm?: WriteAlgorithm
  /** Bulk writes (`BulkWriteStrategy`): `features.disable_bulk_writes` is its opposite. @default false */
  readonly bulkWrites?: boolean
  /** Objects with streaming notifications (`sf_notify_enabled`). @default every mapped object (pgforce's default sources) */
  readonly streamingObjects?: readonly string[]
  /** `sf_max_daily_api_calls` by object. @default 30 000 each (Heroku Connect's default) */
  readonly dailyApiCalls?: Readonly<Record<string, number>>
  /** `connection.api_version`. @default '60.0' (`JsforceAdapter`'s default) */
  readonly apiVersion?: string | undefined
  /** `connection.organization_id`, when known. */
  readonly organizationId?: string | undefined
  /** `connection.exported_at`. @default now */
  readonly exportedAt?: Date
}

const DEFAULT_API_VERSION = '60.0'

/**
 * Writes mappings as Heroku Connect's exported configuration (`heroku connect:export`, reference
 * heroku-connect.md §1.2): `version`, `connection` (`api_version`, `features` from the write
 * algorithm), and per mapping `access`, `sf_notify_enabled`, `sf_polling_seconds`,
 * `sf_max_daily_api_calls`, `fields` (the system fields first), `indexes` (Heroku Connect's `Id`,
 * `SystemModstamp` and upsert-field entries, then the mapping's) and `upsert_field`.
 * `mappingsFromHerokuConnect()` reads it back to equal mappings. Options Heroku Connect has no
 * place for (a table or column name of your own, `where`, `deleteMode: 'soft'`, a conflict
 * policy, a polling interval that is not whole seconds) go in a `pgforce` key of that mapping's
 * config, which Heroku Connect does not know; a conflict-policy function or a mapping's own write
 * strategy are code, and the export only names them. Relationship fields keep pgforce's
 * `Rel.Field` spelling. `pgforce export` prints it for the mappings of `pgforce.config`.
 *
 * @example
 * ```ts
 * await writeFile('connect-export.json', JSON.stringify(exportMappings(mappings, { apiVersion: '60.0' }), null, 2))
 * ```
 */
export function exportMappings(
  mappings: readonly Mapping[],
  options: ExportMappingsOptions = {},
): HerokuConnectExport {
  const writeAlgorithm = options.writeAlgorithm ?? 'ordered'
  const streaming = new Set(
    (options.streamingObjects ?? mappings.map((m) => m.object)).map((o) => o.toLowerCase()),
  )
  return {
    version: 1,
    connection: {
      ...(options.organizationId === undefined ? {} : { organization_id: options.organizationId }),
      exported_at: (options.exportedAt ?? new Date()).toISOString(),
      api_version: options.apiVersion ?? DEFAULT_API_VERSION,
      logplex_log_enabled: false,
      features: {
        disable_bulk_writes: !(writeAlgorithm === 'ordered' && options.bulkWrites === true),
        poll_db_no_merge: writeAlgorithm === 'ordered',
        poll_external_ids: false,
        rest_count_only: false,
        ucs_basic_collation_index: false,
      },
    },
    mappings: mappings.map((mapping) =>
      exportMapping(mapping, {
        streaming: streaming.has(mapping.object.toLowerCase()),
        dailyApiCalls: options.dailyApiCalls?.[mapping.object] ?? DEFAULT_DAILY_API_CALLS,
      }),
    ),
  }
}

function exportMapping(
  mapping: Mapping,
  choices: { streaming: boolean; dailyApiCalls: number },
): HerokuConnectMapping {
  const fields: Record<string, Record<string, never>> = {}
  for (const system of SYSTEM_FIELDS) fields[system.field] = {}
  for (const { field } of mapping.fields) fields[field] = {}
  const indexes: Record<string, { unique: boolean }> = {
    Id: { unique: true },
    SystemModstamp: { unique: false },
  }
  if (mapping.externalId) indexes[mapping.externalId] = { unique: true }
  for (const index of mapping.indexes) indexes[index.field] = { unique: index.unique }
  const pgforce = pgforceOptions(mapping)
  return {
    object_name: mapping.object,
    config: {
      access: mapping.access,
      sf_notify_enabled: choices.streaming,
      sf_polling_seconds: Math.round(mapping.pollIntervalMs / 1000),
      sf_max_daily_api_calls: choices.dailyApiCalls,
      fields,
      indexes,
      ...(mapping.externalId ? { upsert_field: mapping.externalId } : {}),
      ...(pgforce ? { pgforce } : {}),
    },
  }
}

/** The mapping's options Heroku Connect has no place for; `undefined` when it uses none. */
function pgforceOptions(mapping: Mapping): PgforceMappingOptions | undefined {
  const columns = Object.fromEntries(
    mapping.fields
      .filter((f) => f.column !== defaultColumn(f.field))
      .map((f) => [f.field, f.column]),
  )
  const policy = mapping.conflictPolicy
  const options: PgforceMappingOptions = {
    ...(mapping.table === mapping.object.toLowerCase() ? {} : { table: mapping.table }),
    ...(Object.keys(columns).length === 0 ? {} : { columns }),
    ...(mapping.where === undefined ? {} : { where: mapping.where }),
    ...(mapping.deleteMode === 'hard' ? {} : { deleteMode: mapping.deleteMode }),
    ...(policy === 'last-writer-wins'
      ? {}
      : { conflictPolicy: typeof policy === 'function' ? 'function' : policy }),
    ...(mapping.pollIntervalMs % 1000 === 0 ? {} : { pollIntervalMs: mapping.pollIntervalMs }),
    ...(mapping.writeStrategy === undefined ? {} : { writeStrategy: mapping.writeStrategy.name }),
  }
  return Object.keys(options).length === 0 ? undefined : options
}
