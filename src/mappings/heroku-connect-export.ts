import type { DeleteMode } from './mapping.js'

/**
 * Heroku Connect's exported configuration (`heroku connect:export`, reference heroku-connect.md
 * §1.2), as `mappingsFromHerokuConnect()` reads it and `exportMappings()` writes it. Keys pgforce
 * does not know are allowed; the import reports them.
 */
export interface HerokuConnectExport {
  /** `1`. */
  readonly version?: number
  readonly connection?: {
    /** Salesforce API version of the connection, e.g. `"57.0"`. */
    readonly api_version?: string
    readonly exported_at?: string
    readonly organization_id?: string
    readonly app_name?: string
    readonly name?: string
    readonly logplex_log_enabled?: boolean
    readonly features?: {
      /** `true`: ordered writes; `false`: merged writes. */
      readonly poll_db_no_merge?: boolean
      readonly disable_bulk_writes?: boolean
      readonly poll_external_ids?: boolean
      readonly rest_count_only?: boolean
      readonly ucs_basic_collation_index?: boolean
      readonly [feature: string]: unknown
    }
    readonly [key: string]: unknown
  }
  readonly mappings: readonly HerokuConnectMapping[]
  readonly [key: string]: unknown
}

/** One mapping of a {@link HerokuConnectExport}. */
export interface HerokuConnectMapping {
  /** Salesforce object API name. */
  readonly object_name: string
  readonly config: HerokuConnectMappingConfig
}

/** A mapping's `config` in a {@link HerokuConnectExport}. */
export interface HerokuConnectMappingConfig {
  /** `read_only` or `read_write`. */
  readonly access?: string
  /** Accelerated Polling (streaming notifications). */
  readonly sf_notify_enabled?: boolean
  readonly sf_polling_seconds?: number
  readonly sf_max_daily_api_calls?: number
  /**
   * Field API name → options (always `{}` in Heroku Connect's exports). A parent's external id is
   * `Rel__r.Field` or, as Heroku Connect names its column, `Rel__r__Field`.
   */
  readonly fields: Readonly<Record<string, unknown>>
  /** Field API name → `{ unique }`: Heroku Connect's per-field indexes. */
  readonly indexes?: Readonly<Record<string, { readonly unique?: boolean } | undefined>>
  /** The unique identifier: an External ID field. */
  readonly upsert_field?: string | null
  readonly applied_at?: string
  /**
   * pgforce's mapping options Heroku Connect has no place for, written by `exportMappings()` only
   * for a mapping that uses one (Heroku Connect does not know this key).
   */
  readonly pgforce?: PgforceMappingOptions
  readonly [key: string]: unknown
}

/** pgforce-only mapping options in an export (see {@link HerokuConnectMappingConfig.pgforce}). */
export interface PgforceMappingOptions {
  /** The table, when not the object name in lower case. */
  readonly table?: string
  /** Field → column, for the fields whose column is not Heroku Connect's. */
  readonly columns?: Readonly<Record<string, string>>
  readonly where?: string
  readonly deleteMode?: DeleteMode
  /** A named policy; `function` when the mapping decides conflicts in code (not exported). */
  readonly conflictPolicy?: 'last-writer-wins' | 'salesforce-wins' | 'postgres-wins' | 'function'
  /** The polling interval, when it is not a whole number of seconds. */
  readonly pollIntervalMs?: number
  /** The name of the mapping's own write strategy, which lives in code (not exported). */
  readonly writeStrategy?: string
}

/** Heroku Connect's write algorithm, from `features.poll_db_no_merge`. */
export type WriteAlgorithm = 'ordered' | 'merged'

/** Heroku Connect's default `sf_max_daily_api_calls`. */
export const DEFAULT_DAILY_API_CALLS = 30_000
