import type { WriteStrategy } from '../strategies/write-strategy.js'
import type { ConflictPolicy } from './conflict-policy.js'

/** Which way a mapping syncs: Salesforce → Postgres only, or both ways (Heroku Connect's `access`). */
export type MappingAccess = 'read_only' | 'read_write'

/**
 * What happens to a row whose Salesforce record is deleted: `hard` removes the row (Heroku
 * Connect's behaviour), `soft` keeps it with `isdeleted = true`.
 */
export type DeleteMode = 'hard' | 'soft'

/** A value as it sits in a mapped column (node-postgres types; timestamps as UTC ISO strings). */
export type ColumnValue = string | number | boolean | null

/** The system columns every mapped table has (docs/reference/database-objects.md). */
export interface SystemColumns {
  /** Internal serial key; never use it as a stable key across reloads. */
  readonly id: number
  /** The Salesforce Id, filled once the record exists in Salesforce. */
  readonly sfid: string | null
  readonly systemmodstamp: string | null
  readonly isdeleted: boolean | null
  readonly createddate: string | null
  /** Last sync operation: PENDING, SYNCED, INSERTED, UPDATED, DELETED or FAILED. */
  readonly _hc_lastop: string | null
  /** JSON with the Salesforce error of the last failed write, else null. */
  readonly _hc_err: string | null
}

/** One Salesforce field and the column that mirrors it. */
export interface MappedField {
  /** Salesforce API name, e.g. `AnnualRevenue`. */
  readonly field: string
  /** Postgres column, e.g. `annualrevenue`. */
  readonly column: string
}

/**
 * An index on one mapped column, beyond the ones every table has (Heroku Connect's per-field
 * `indexes`): named `hc_idx_<table>_<column>`, or `hcu_idx_<table>_<column>` when unique
 * (docs/reference/database-objects.md).
 */
export interface MappedIndex {
  /** Salesforce API name of the indexed field, as the mapping lists it. */
  readonly field: string
  /** The indexed column. */
  readonly column: string
  readonly unique: boolean
}

/** Salesforce fields every mapping has, and their system columns. */
export const SYSTEM_FIELDS: readonly MappedField[] = [
  { field: 'Id', column: 'sfid' },
  { field: 'SystemModstamp', column: 'systemmodstamp' },
  { field: 'IsDeleted', column: 'isdeleted' },
  { field: 'CreatedDate', column: 'createddate' },
]

/**
 * A resolved mapping between one Salesforce object and one Postgres table, made by
 * `defineMapping()`. `Row` is the type of the table's rows, derived from a literal field list.
 */
export interface Mapping<Row extends object = Record<string, ColumnValue>> {
  /** Salesforce object API name, e.g. `Account`. */
  readonly object: string
  /** Table name in the connection's schema, e.g. `account`. */
  readonly table: string
  /** Mapped fields, without the system fields (see {@link SYSTEM_FIELDS}). */
  readonly fields: readonly MappedField[]
  readonly access: MappingAccess
  /** External id field used to match and upsert records (Heroku Connect's unique identifier). */
  readonly externalId: string | undefined
  /** How often the Salesforce side is polled when no push source says sooner, in ms. */
  readonly pollIntervalMs: number
  /** Optional SOQL `WHERE` condition: only matching records are synced. */
  readonly where: string | undefined
  /** Write strategy for this mapping; the engine's default when undefined. */
  readonly writeStrategy: WriteStrategy | undefined
  readonly deleteMode: DeleteMode
  /** How a record changed on both sides since the last sync is resolved (read_write mappings). */
  readonly conflictPolicy: ConflictPolicy
  /**
   * Indexes `install()` creates besides `sfid`'s, `systemmodstamp`'s and the external id's (which
   * every table has), in the order given.
   */
  readonly indexes: readonly MappedIndex[]
  /** Type-level only: the row type of the mapped table. Never set at run time. */
  readonly __row?: Row & SystemColumns
}

/** The row type of a mapping's table: `RowOf<typeof accountMapping>`. */
export type RowOf<M> = M extends Mapping<infer Row> ? Row & SystemColumns : never
