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
  /**
   * Number fields: total digits and digits after the point (`precision`, `scale`), or for `int`
   * fields `digits`, from the describe; a value with more digits before the point is not sent.
   */
  /** A formula or roll-up field: it changes without bumping SystemModstamp. */
  readonly calculated?: boolean | undefined
  readonly precision?: number | undefined
  readonly scale?: number | undefined
  readonly digits?: number | undefined
  /** For a `Relationship.Field` column: the lookup it sets by the parent's external id. */
  readonly lookup?: LookupSpec | undefined
  /**
   * Set when the field's type changed in Salesforce in a way the column could not follow (see
   * docs/guides/mappings.md, "When Salesforce changes"): the column type the field would get
   * today. `pgType` stays the column's own; a pulled value Postgres would change to fit is refused.
   */
  readonly expectedType?: string | undefined
}

/** A mapped field Salesforce no longer has, whose column `install()` created. */
export interface MissingField {
  /** The field as the mapping names it. */
  readonly field: string
  readonly column: string
}

/** A `<lookup>__r__<externalid>` column: which lookup it sets, and through which parent field. */
export interface LookupSpec {
  /** Relationship name, as a pushed record nests it: `Account`, `Parent__r`. */
  readonly relationship: string
  /** The lookup field itself: `AccountId`, `Parent__c`. */
  readonly referenceField: string
  /** The parent object: `Account`. */
  readonly parentObject: string
  /** The parent's External ID field: `External_Id__c`. */
  readonly parentField: string
  /**
   * When the parent object is mapped read/write by the same engine: its table and the column of
   * `parentField`. A push holds back a row whose parent row is not in Salesforce yet.
   */
  readonly parentRow?: { readonly table: string; readonly column: string } | undefined
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
  /**
   * Installed fields Salesforce no longer has (deleted, or hidden from the integration user): not
   * queried or sent; their columns keep their values. Absent or empty when there are none.
   */
  readonly missing?: readonly MissingField[] | undefined
}
