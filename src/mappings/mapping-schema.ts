import type { FieldType } from '../salesforce/salesforce-types.js'
import type { Mapping } from './mapping.js'

/** A mapped column with what the org's describe says of its field. */
export interface ColumnSpec {
  /** Salesforce field API name (canonical casing from describe). */
  readonly field: string
  readonly column: string
  readonly sfType: FieldType
  /** Postgres column type, e.g. `varchar(255)`. */
  readonly pgType: string
  readonly createable: boolean
  readonly updateable: boolean
  /** System columns (`sfid`, `systemmodstamp`, …) are filled by pulls only. */
  readonly system: boolean
}

/**
 * A mapping checked against the org's describe: every column with its type. Made by
 * `planMappings()` at install/start; everything downstream (DDL, triggers, pulls, pushes) works
 * from it.
 */
export interface MappingSchema {
  readonly mapping: Mapping
  /** Canonical object name from describe. */
  readonly object: string
  /** System columns first (those the object has), then the mapped fields. */
  readonly columns: readonly ColumnSpec[]
  /** Columns a push may send: mapped, createable or updateable, not system. */
  readonly writableColumns: readonly ColumnSpec[]
  /** Canonical external id field, if the mapping has one. */
  readonly externalId: string | undefined
}
