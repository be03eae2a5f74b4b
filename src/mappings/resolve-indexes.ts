import type { OptionReader } from '../config/option-reader.js'
import { type MappedField, type MappedIndex, SYSTEM_FIELDS } from './mapping.js'

/**
 * A mapping's `indexes` option: field API names (each a plain index), or Heroku Connect's export
 * shape, field → `{ unique }`.
 */
export type IndexesOption =
  | readonly string[]
  | Readonly<Record<string, { readonly unique?: boolean } | undefined>>

/** Fields whose index every mapped table has already (`hcu_idx_<t>_sfid`, `hc_idx_<t>_systemmodstamp`). */
const ALWAYS_INDEXED = new Map([
  ['id', true],
  ['systemmodstamp', false],
])

/**
 * Resolves `defineMapping()`'s `indexes` against the mapping's fields: each must name a mapped
 * field (a listed one, the external id, or `IsDeleted`/`CreatedDate`); `Id` and `SystemModstamp`
 * are indexed on every table and the external id uniquely, so listing them as such changes
 * nothing (Heroku Connect's exports list them). Problems go to `read`.
 * @internal
 */
export function resolveIndexes(
  read: OptionReader,
  input: IndexesOption | undefined,
  fields: readonly MappedField[],
  externalId: string | undefined,
): readonly MappedIndex[] {
  if (input === undefined) return Object.freeze([])
  if (!Array.isArray(input) && !isPlainObject(input)) {
    read.problem('indexes', 'a list of field API names, or a map of field → { unique }', input)
    return Object.freeze([])
  }
  const entries: [string, unknown][] = Array.isArray(input)
    ? (input as readonly unknown[]).map((f) => [String(f), {}])
    : Object.entries(input)
  const columns = new Map<string, MappedField>()
  for (const system of SYSTEM_FIELDS) columns.set(system.field.toLowerCase(), system)
  for (const field of fields) columns.set(field.field.toLowerCase(), field)
  const seen = new Set<string>()
  const indexes: MappedIndex[] = []
  for (const [field, options] of entries) {
    const path = `indexes.${field}`
    const key = field.toLowerCase()
    if (!isPlainObject(options)) {
      read.problem(path, '{ unique?: boolean }', options)
      continue
    }
    const unique = options.unique === undefined ? false : options.unique
    if (typeof unique !== 'boolean') {
      read.problem(`${path}.unique`, 'true or false', unique)
      continue
    }
    if (seen.has(key)) {
      read.problemWithDescription(path, 'each field listed once', 'a second entry')
      continue
    }
    seen.add(key)
    const always = ALWAYS_INDEXED.get(key)
    if (always !== undefined) {
      if (unique && !always)
        read.problemWithDescription(
          path,
          'no unique index on SystemModstamp (every table has a plain one)',
          '{ unique: true }',
        )
      continue
    }
    if (externalId !== undefined && key === externalId.toLowerCase()) {
      if (options.unique === false)
        read.problemWithDescription(
          path,
          `a unique index on the external id ${externalId} (every mapping with an external id has one)`,
          '{ unique: false }',
        )
      continue
    }
    const mapped = columns.get(key)
    if (!mapped) {
      read.problem(path, 'a field the mapping syncs (listed in fields, or a system field)', field)
      continue
    }
    indexes.push(Object.freeze({ field: mapped.field, column: mapped.column, unique }))
  }
  return Object.freeze(indexes)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
