/**
 * The shapes pgforce exchanges with Salesforce, as Salesforce's REST API answers them. Shared by
 * every {@link SalesforceAdapter} (jsforce over HTTP, or the in-memory org) so the engine sees one
 * vocabulary whichever is behind it.
 */

/** A record as REST returns it: API field names as keys, plus optional `attributes`. */
export type SObjectRecord = { [field: string]: unknown } & {
  Id?: string
  attributes?: { type: string; url?: string }
}

/** Salesforce field types (describe `type`). */
export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'multipicklist'
  | 'combobox'
  | 'encryptedstring'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'base64'
  | 'address'
  | 'location'
  | 'anyType'

/** One picklist value (describe `picklistValues[]`). */
export interface PicklistValue {
  readonly value: string
  readonly label: string
  readonly active: boolean
  readonly defaultValue: boolean
  readonly validFor: string | null
}

/** One field of a describe result; every key real orgs send is present. */
export interface FieldDescribe {
  readonly name: string
  readonly label: string
  readonly type: FieldType
  readonly soapType: string
  readonly length: number
  readonly byteLength: number
  readonly precision: number
  readonly scale: number
  readonly digits: number
  readonly createable: boolean
  readonly updateable: boolean
  readonly nillable: boolean
  readonly defaultedOnCreate: boolean
  readonly defaultValue: unknown
  readonly calculated: boolean
  readonly calculatedFormula: string | null
  readonly custom: boolean
  readonly externalId: boolean
  readonly idLookup: boolean
  readonly unique: boolean
  readonly caseSensitive: boolean
  readonly filterable: boolean
  readonly sortable: boolean
  readonly groupable: boolean
  readonly nameField: boolean
  readonly autoNumber: boolean
  readonly compoundFieldName: string | null
  readonly referenceTo: readonly string[]
  readonly relationshipName: string | null
  readonly relationshipOrder: number | null
  readonly cascadeDelete: boolean
  readonly restrictedPicklist: boolean
  readonly picklistValues: readonly PicklistValue[]
  readonly htmlFormatted: boolean
  readonly deprecatedAndHidden: boolean
}

/** A child relationship of a describe result. */
export interface ChildRelationship {
  readonly childSObject: string
  readonly field: string
  readonly relationshipName: string | null
  readonly cascadeDelete: boolean
  readonly restrictedDelete: boolean
  readonly deprecatedAndHidden: boolean
}

/** One object of `describeGlobal()`. */
export interface SObjectSummary {
  readonly name: string
  readonly label: string
  readonly labelPlural: string
  readonly keyPrefix: string | null
  readonly custom: boolean
  readonly createable: boolean
  readonly updateable: boolean
  readonly deletable: boolean
  readonly undeletable: boolean
  readonly queryable: boolean
  readonly retrieveable: boolean
  readonly replicateable: boolean
  readonly triggerable: boolean
  readonly searchable: boolean
  readonly urls: Readonly<Record<string, string>>
}

/** `describe(object)`: the summary plus fields and child relationships. */
export interface SObjectDescribe extends SObjectSummary {
  readonly fields: readonly FieldDescribe[]
  readonly childRelationships: readonly ChildRelationship[]
}

/** `describeGlobal()`. */
export interface DescribeGlobalResult {
  readonly encoding: string
  readonly maxBatchSize: number
  readonly sobjects: readonly SObjectSummary[]
}

/** One error of a record-level result (sObject Collections `errors[]`). */
export interface RecordError {
  /** Salesforce status code, e.g. `REQUIRED_FIELD_MISSING`, `DUPLICATE_VALUE`, `UNABLE_TO_LOCK_ROW`. */
  readonly statusCode: string
  readonly message: string
  readonly fields: readonly string[]
}

/** Result of writing one record: create, update, upsert or delete. */
export interface SaveResult {
  /** The record's Id (absent when a create failed). */
  readonly id?: string | undefined
  readonly success: boolean
  /** Upsert only: `true` when the record was inserted, `false` when updated. */
  readonly created?: boolean | undefined
  readonly errors: readonly RecordError[]
}

/** `getUpdated()` (REST `sobjects/X/updated`). */
export interface UpdatedResult {
  readonly ids: readonly string[]
  /** ISO-8601 instant up to which the answer is complete. */
  readonly latestDateCovered: string
}

/** `getDeleted()` (REST `sobjects/X/deleted`). */
export interface DeletedResult {
  readonly deletedRecords: readonly { readonly id: string; readonly deletedDate: string }[]
  readonly earliestDateAvailable: string
  readonly latestDateCovered: string
}

/** One org limit (`/limits`). */
export interface OrgLimit {
  readonly Max: number
  readonly Remaining: number
}

/** `limits()`: limit name → `{Max, Remaining}`, e.g. `DailyApiRequests`. */
export type OrgLimits = Readonly<Record<string, OrgLimit>>

/** API usage as last reported in the `Sforce-Limit-Info` header (`api-usage=used/max`). */
export interface ApiUsage {
  readonly used: number
  readonly max: number
}
