import { OptionReader } from '../config/option-reader.js'
import { byteLength, MAX_IDENTIFIER_BYTES } from '../postgres/install/derived-name.js'
import type { WriteStrategy } from '../strategies/write-strategy.js'
import type { ConflictPolicy } from './conflict-policy.js'
import {
  type ColumnValue,
  type DeleteMode,
  type MappedField,
  type Mapping,
  type MappingAccess,
  SYSTEM_FIELDS,
} from './mapping.js'
import { type IndexesOption, resolveIndexes } from './resolve-indexes.js'

/** Options of {@link defineMapping}. */
export interface MappingOptions {
  /** Salesforce object API name, e.g. `Account` or `Invoice__c`. */
  readonly object: string
  /**
   * Table in the connection's schema. Default: the object name lower-cased, as Heroku Connect
   * names it. Must be a plain lower-case identifier (letters, digits, `_`) of at most 63 bytes,
   * the longest Postgres keeps.
   */
  readonly table?: string
  /**
   * Fields to sync: a list of API names (columns are their lower-cased names, as in Heroku
   * Connect), or a map of API name → column. `Id`, `SystemModstamp`, `IsDeleted` and `CreatedDate`
   * are always synced into `sfid`, `systemmodstamp`, `isdeleted`, `createddate`; listing them is
   * allowed and changes nothing.
   *
   * `Relationship.Field` names a parent's External ID field through a lookup, e.g.
   * `Account.External_Id__c` on Contact: its column (`account__r__external_id__c`, Heroku
   * Connect's `<lookup>__r__<externalid>`) holds the parent's external id, is filled by pulls, and
   * on a push sets the lookup by that external id, so a parent and its child can be inserted in one
   * transaction. A column name, given or built, must fit in 63 bytes: when
   * `<lookup>__r__<externalid>` is longer, give the column in the map form.
   */
  readonly fields: readonly string[] | Readonly<Record<string, string>>
  /** `read_only` (Salesforce → Postgres) or `read_write` (both ways). @default 'read_only' */
  readonly access?: MappingAccess
  /**
   * An External ID field of the object (Heroku Connect's "unique identifier"). Rows from
   * Salesforce match on `sfid`, then on it; inserts from Postgres become upserts on it, so a retry
   * never duplicates a record. It is added to the synced fields when not listed.
   */
  readonly externalId?: string
  /**
   * How often to poll Salesforce for changes when no push source signals sooner, in ms. Heroku
   * Connect allows 2–60 minutes; pgforce allows 1 second to 60 minutes.
   * @default 600_000 (10 minutes, Heroku Connect's default)
   */
  readonly pollIntervalMs?: number
  /**
   * A SOQL condition limiting which records sync, e.g. `"Type = 'Customer'"`. Records that stop
   * matching are not deleted from Postgres.
   */
  readonly where?: string
  /** Write strategy for this mapping (read_write only); the engine's default when omitted. */
  readonly writeStrategy?: WriteStrategy
  /** `hard` removes the row of a deleted record (Heroku Connect), `soft` sets `isdeleted`. @default 'hard' */
  readonly deleteMode?: DeleteMode
  /**
   * What happens when a record changed on both sides since the last sync (read_write mappings):
   * `last-writer-wins` by timestamps, `salesforce-wins`, `postgres-wins`, or a function deciding
   * each conflict. A `conflict` event reports each one. Changes to different records, or a pull
   * that brings nothing newer, never conflict: unsent Postgres changes are kept.
   * @default 'last-writer-wins'
   */
  readonly conflictPolicy?: ConflictPolicy
  /**
   * Indexes on mapped columns (Heroku Connect's per-field indexes), created by `install()` under
   * Heroku Connect's names: `hc_idx_<table>_<column>`, or `hcu_idx_<table>_<column>` when unique.
   * A list of field API names (plain indexes), or Heroku Connect's export shape:
   * `{ Name: { unique: false }, Code__c: { unique: true } }`. Each must be a field the mapping
   * syncs. `Id` and `SystemModstamp` are indexed on every table, and the external id uniquely, so
   * listing them changes nothing. A unique index is not created while the column holds duplicate
   * values: `install()` creates a plain one instead and reports it (docs/reference/database-objects.md).
   */
  readonly indexes?: IndexesOption
}

const DEFAULT_POLL_INTERVAL_MS = 600_000
const MIN_POLL_INTERVAL_MS = 1_000
const MAX_POLL_INTERVAL_MS = 3_600_000
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const LOOKUP_PATH = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/
const SYSTEM_COLUMNS = new Set([
  'id',
  '_hc_lastop',
  '_hc_err',
  ...SYSTEM_FIELDS.map((f) => f.column),
])

/** The default column of a field: its lower-cased name; `Rel.Field` → `rel__r__field`. */
type DefaultColumn<F extends string> = F extends `${infer R}.${infer X}`
  ? Lowercase<R> extends `${infer B}__r`
    ? `${B}__r__${Lowercase<X>}`
    : `${Lowercase<R>}__r__${Lowercase<X>}`
  : Lowercase<F>
type ListRow<F extends string> = { [K in F as DefaultColumn<K>]: ColumnValue }
type MapRow<M extends Readonly<Record<string, string>>> = { [K in keyof M as M[K]]: ColumnValue }

/**
 * Defines how one Salesforce object maps to one Postgres table. Validates everything that can be
 * checked without Salesforce and throws one `ConfigError` listing every problem; the fields are
 * checked against the org's describe later, at `engine.install()` / `engine.start()`.
 *
 * A literal field list types the rows: `RowOf<typeof account>` has `name`, `industry`, … plus the
 * system columns.
 *
 * @example
 * ```ts
 * const account = defineMapping({
 *   object: 'Account',
 *   access: 'read_write',
 *   fields: ['Name', 'Industry', 'External_Id__c'],
 *   externalId: 'External_Id__c',
 * })
 * ```
 *
 * Options built elsewhere and typed `MappingOptions` (read from a config file, say) are accepted
 * too; their rows are typed `Record<string, ColumnValue>`.
 */
export function defineMapping<const F extends string>(
  options: MappingOptions & { readonly fields: readonly F[] },
): Mapping<ListRow<F>>
export function defineMapping<const M extends Readonly<Record<string, string>>>(
  options: MappingOptions & { readonly fields: M },
): Mapping<MapRow<M>>
export function defineMapping(options: MappingOptions): Mapping
export function defineMapping(options: MappingOptions): Mapping {
  const read = new OptionReader(`mapping ${describeObject(options)}`)
  if (typeof options !== 'object' || options === null) {
    read.problem('mapping', 'an object with at least `object` and `fields`', options)
    read.finish()
  }
  const object = read.string('object', options.object)
  if (object !== undefined && !API_NAME.test(object)) {
    read.problem('object', 'a Salesforce API name such as "Account" or "Invoice__c"', object)
  }
  const table = options.table ?? object?.toLowerCase()
  if (table !== undefined) checkIdentifier(read, 'table', table)
  const access = read.oneOf('access', options.access ?? 'read_only', ['read_only', 'read_write'])
  let externalId =
    options.externalId === undefined ? undefined : read.string('externalId', options.externalId)
  if (externalId !== undefined && !API_NAME.test(externalId)) {
    read.problem('externalId', 'a Salesforce field API name', externalId)
    externalId = undefined
  }
  const fields = resolveFields(read, options.fields, externalId)
  const indexes = resolveIndexes(read, options.indexes, fields, externalId)
  const pollIntervalMs = read.integer(
    'pollIntervalMs',
    options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    {
      min: MIN_POLL_INTERVAL_MS,
      max: MAX_POLL_INTERVAL_MS,
    },
  )
  const where = options.where === undefined ? undefined : read.string('where', options.where)
  const deleteMode = read.oneOf('deleteMode', options.deleteMode ?? 'hard', ['hard', 'soft'])
  const conflictPolicy = options.conflictPolicy ?? 'last-writer-wins'
  if (
    typeof conflictPolicy !== 'function' &&
    !['last-writer-wins', 'salesforce-wins', 'postgres-wins'].includes(conflictPolicy)
  ) {
    read.problem(
      'conflictPolicy',
      '"last-writer-wins", "salesforce-wins", "postgres-wins" or a function',
      conflictPolicy,
    )
  }
  if (options.writeStrategy !== undefined) {
    if (typeof options.writeStrategy?.write !== 'function') {
      read.problem(
        'writeStrategy',
        'a WriteStrategy (an object with a write() method)',
        options.writeStrategy,
      )
    } else if (access === 'read_only') {
      read.problem('writeStrategy', 'no write strategy on a read_only mapping', 'a WriteStrategy')
    }
  }
  read.finish()
  return Object.freeze({
    object: object as string,
    table: table as string,
    fields,
    access: access as MappingAccess,
    externalId,
    pollIntervalMs: pollIntervalMs as number,
    where,
    writeStrategy: options.writeStrategy as WriteStrategy | undefined,
    deleteMode: deleteMode as DeleteMode,
    conflictPolicy,
    indexes,
  })
}

function resolveFields(
  read: OptionReader,
  input: MappingOptions['fields'],
  externalId: string | undefined,
): readonly MappedField[] {
  const entries: [string, string][] = Array.isArray(input)
    ? (input as readonly unknown[]).map((f) => [String(f), defaultColumn(String(f))])
    : typeof input === 'object' && input !== null
      ? Object.entries(input as Record<string, unknown>).map(([f, c]) => [f, String(c)])
      : []
  if (entries.length === 0) {
    read.problem('fields', 'a non-empty list of field API names, or a map of field → column', input)
    return []
  }
  if (externalId && !entries.some(([f]) => f.toLowerCase() === externalId.toLowerCase())) {
    entries.push([externalId, externalId.toLowerCase()])
  }
  const systemFields = new Set(SYSTEM_FIELDS.map((f) => f.field.toLowerCase()))
  const seenFields = new Set<string>()
  const seenColumns = new Map<string, string>()
  const fields: MappedField[] = []
  for (const [field, column] of entries) {
    const path = `fields.${field}`
    if (!API_NAME.test(field) && !LOOKUP_PATH.test(field)) {
      read.problem(
        path,
        'a Salesforce field API name such as "Name" or "Amount__c", or a parent external id such as "Account.External_Id__c"',
        field,
      )
      continue
    }
    if (systemFields.has(field.toLowerCase())) continue
    if (seenFields.has(field.toLowerCase())) {
      read.problemWithDescription(path, 'each field listed once', 'a second entry')
      continue
    }
    seenFields.add(field.toLowerCase())
    if (!checkIdentifier(read, path, column, field.includes('.') && Array.isArray(input))) continue
    if (SYSTEM_COLUMNS.has(column)) {
      read.problem(
        path,
        'a column name other than the system columns (id, sfid, _hc_lastop, …)',
        column,
      )
      continue
    }
    const other = seenColumns.get(column)
    if (other !== undefined) {
      read.problem(path, `a column not already used by field ${other}`, column)
      continue
    }
    seenColumns.set(column, field)
    fields.push({ field, column })
  }
  return Object.freeze(fields)
}

/**
 * Heroku Connect's column for a field: its lower-cased name, and `<relationship>__r__<field>` for
 * a parent's external id (`Account.External_Id__c` → `account__r__external_id__c`,
 * `Parent__r.Code__c` → `parent__r__code__c`).
 * @internal
 */
export function defaultColumn(field: string): string {
  const dot = field.indexOf('.')
  if (dot < 0) return field.toLowerCase()
  const relationship = field.slice(0, dot).toLowerCase().replace(/__r$/, '')
  return `${relationship}__r__${field.slice(dot + 1).toLowerCase()}`
}

/**
 * A table or column name must be a plain identifier Postgres keeps whole. Postgres cuts longer
 * names to 63 bytes without an error, so a longer one is refused here rather than shortened: apps
 * write these names in their SQL, and must find them as they were given. (Names pgforce derives
 * for its own triggers, functions and indexes are shortened instead; see `derivedName()`.)
 * `defaultLookupColumn` is set for a `Relationship.Field` whose column pgforce built.
 */
function checkIdentifier(
  read: OptionReader,
  path: string,
  name: string,
  defaultLookupColumn = false,
): boolean {
  if (typeof name !== 'string' || !PLAIN_IDENTIFIER.test(name)) {
    read.problem(path, 'a lower-case identifier that needs no quoting (a-z, 0-9, _)', name)
    return false
  }
  const bytes = byteLength(name)
  if (bytes <= MAX_IDENTIFIER_BYTES) return true
  read.problemWithDescription(
    path,
    `a name of at most ${MAX_IDENTIFIER_BYTES} bytes, the longest Postgres keeps (it cuts longer ones)${
      defaultLookupColumn
        ? '; name a shorter column with the field → column form, e.g. { "Rel.Field": "rel_field" }'
        : ''
    }`,
    `"${name.slice(0, 40)}…" (${bytes} bytes)`,
  )
  return false
}

function describeObject(options: MappingOptions): string {
  const object = typeof options === 'object' && options !== null ? options.object : undefined
  return typeof object === 'string' ? `"${object}"` : '(no object)'
}
