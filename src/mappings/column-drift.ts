import type { FieldType } from '../salesforce/salesforce-types.js'
import { holdsEvery, parseColumnType } from './column-type.js'
import type { ColumnSpec, MappingSchema } from './mapping-schema.js'

/**
 * How a mapped field changed (docs/guides/mappings.md, "When Salesforce changes"):
 * - `widened`: the field grows (a longer text, more digits); its column was widened to match;
 * - `retyped`: the field's type changed and its column was retyped without losing a value
 *   (`integer` → `double precision`, `date` → `timestamp`);
 * - `type-changed`: the field's type changed and the column could not follow without losing or
 *   changing values (or Postgres refused the change): the column keeps its type, and a value it
 *   cannot hold unchanged fails alone (`pull:record-failed`);
 * - `deleted`: Salesforce no longer has the field: it is neither queried nor sent, and its column
 *   keeps its values;
 * - `restored`: a deleted field is back: it syncs again, and existing rows are loaded again;
 * - `added`: the mapping gained the field and `install()` added its column; existing rows are
 *   loaded by the next pull.
 */
export type DriftChange = 'widened' | 'retyped' | 'type-changed' | 'deleted' | 'restored' | 'added'

/** One field of a mapping that changed, as the `mapping:drift` event reports it. */
export interface MappingDrift {
  /** The mapping's object, e.g. `Account`. */
  readonly mapping: string
  readonly table: string
  /** The field as the mapping names it. */
  readonly field: string
  readonly column: string
  readonly change: DriftChange
  /** The column's type before the change (its type when it was kept). */
  readonly from?: string | undefined
  /**
   * `widened`, `retyped`, `added`: the column's type now. `type-changed`: the type the field
   * would need, which the column did not take.
   */
  readonly to?: string | undefined
  /** The field's type in Salesforce now (absent when it is `deleted`). */
  readonly salesforceType?: FieldType | undefined
  /** `type-changed`: why the column kept its type. */
  readonly reason?: string | undefined
}

/** A lossless change of one column's type, to make before values are applied. */
export interface ColumnAlter {
  readonly column: string
  readonly from: string
  readonly to: string
}

/** What {@link resolveColumnDrift} decided for one mapped table. */
export interface ColumnDriftResolution {
  /**
   * The plan as the table serves it once `alters` are made: columns kept at their own type (and
   * marked with `expectedType` when the field's type no longer matches).
   */
  readonly plan: MappingSchema
  /** Columns to retype, each without losing a value. */
  readonly alters: readonly ColumnAlter[]
  /** What differs between the table and the describe, `alters` included. */
  readonly drift: readonly MappingDrift[]
}

/** Options of {@link resolveColumnDrift}. */
export interface ColumnDriftOptions {
  /** Columns recorded as deleted in Salesforce at the last install: back now means `restored`. */
  readonly recordedMissing?: ReadonlySet<string>
  /** Columns whose retype Postgres refused (a view depends on it, say), with its message. */
  readonly refused?: ReadonlyMap<string, string>
}

const LOSSY = 'the column cannot take the new type without losing or changing values'

/**
 * Compares a plan (column types as the describe asks for them today) with the columns its table
 * has (`columnTypes`, by column name, from the catalog), and decides for each column: keep it (its
 * type holds every value the field can have: the same type, or a wider one), retype it (the new
 * type holds every value the column has: a longer `varchar`, `text`, `integer` → `double
 * precision`, more digits, `date` → `timestamp`), or keep it and report a type change. Columns the
 * table does not have yet are left to `install()`. Pure: the caller makes the alters.
 */
export function resolveColumnDrift(
  plan: MappingSchema,
  columnTypes: ReadonlyMap<string, string>,
  options: ColumnDriftOptions = {},
): ColumnDriftResolution {
  const alters: ColumnAlter[] = []
  const drift: MappingDrift[] = []
  const about = (column: ColumnSpec) => ({
    mapping: plan.object,
    table: plan.mapping.table,
    field: column.field,
    column: column.column,
    salesforceType: column.sfType,
  })
  const columns = plan.columns.map((column): ColumnSpec => {
    const own = columnTypes.get(column.column)
    if (own === undefined) return column
    if (options.recordedMissing?.has(column.column))
      drift.push({ ...about(column), change: 'restored' })
    const actual = parseColumnType(own)
    const wanted = parseColumnType(column.pgType)
    if (
      holdsEvery(actual, wanted) &&
      (actual.family === wanted.family || actual.name === wanted.name)
    )
      return { ...column, pgType: actual.name }
    const refused = options.refused?.get(column.column)
    if (holdsEvery(wanted, actual) && refused === undefined) {
      alters.push({ column: column.column, from: actual.name, to: wanted.name })
      const widened = actual.family === 'text' || baseName(actual.name) === baseName(wanted.name)
      drift.push({
        ...about(column),
        change: widened ? 'widened' : 'retyped',
        from: actual.name,
        to: wanted.name,
      })
      return { ...column, pgType: wanted.name }
    }
    drift.push({
      ...about(column),
      change: 'type-changed',
      from: actual.name,
      to: wanted.name,
      reason: refused ?? LOSSY,
    })
    return { ...column, pgType: actual.name, expectedType: wanted.name }
  })
  for (const missing of plan.missing ?? []) {
    const own = columnTypes.get(missing.column)
    drift.push({
      mapping: plan.object,
      table: plan.mapping.table,
      field: missing.field,
      column: missing.column,
      change: 'deleted',
      from: own === undefined ? undefined : parseColumnType(own).name,
    })
  }
  const byColumn = new Map(columns.map((c) => [c.column, c]))
  const writableColumns = plan.writableColumns.map((c) => byColumn.get(c.column) ?? c)
  return { plan: { ...plan, columns, writableColumns }, alters, drift }
}

function baseName(name: string): string {
  return name.replace(/\(.*$/, '')
}
