import format from 'pg-format'
import type { MappingSchema } from '../../mappings/mapping-schema.js'
import type { PgClientLike } from '../pg-pool-like.js'
import { columnIndexName } from './derived-name.js'
import type { TableObject } from './installed-objects.js'

/** An index `install()` keeps on one column of a mapped table, besides `sfid`'s and `systemmodstamp`'s. @internal */
export interface ColumnIndexSpec {
  readonly table: string
  readonly column: string
  readonly unique: boolean
  /** Heroku Connect's name: `hcu_idx_<t>_<column>` when unique, else `hc_idx_<t>_<column>`. */
  readonly name: string
  /**
   * For a unique index: the plain `hc_idx_<t>_<column>` that stands in for it while the column
   * holds duplicate values (and that pgforce before 0.3 created for the external id).
   */
  readonly standIn: string | undefined
}

/**
 * The column indexes of a mapping: the external id's (unique, Heroku Connect's `hcu_idx_`), then
 * the mapping's `indexes`, one per column.
 * @internal
 */
export function columnIndexSpecs(plan: MappingSchema): ColumnIndexSpec[] {
  const table = plan.mapping.table
  const external = plan.columns.find((c) => c.field === plan.externalId)
  const wanted = [
    ...(external ? [{ column: external.column, unique: true }] : []),
    ...plan.mapping.indexes,
  ]
  const seen = new Set<string>()
  return wanted.flatMap(({ column, unique }) => {
    if (seen.has(column)) return []
    seen.add(column)
    return [
      {
        table,
        column,
        unique,
        name: columnIndexName(table, column, unique),
        standIn: unique ? columnIndexName(table, column, false) : undefined,
      },
    ]
  })
}

/** What {@link columnIndexSql} decided for one table. @internal */
export interface ColumnIndexPlan {
  readonly statements: string[]
  /** Unique indexes not created because of duplicates: the stand-in to expect instead, by name. */
  readonly standIns: Map<string, TableObject>
  /** What `install()` reports: each unique index left out, and why. */
  readonly warnings: string[]
}

/**
 * The statements that give a mapped table its column indexes, once the table and its columns
 * exist (run them in the install's transaction, after the table's own statements). A plain index
 * is created when missing. A unique one is created when missing and the column has no duplicate
 * values; its stand-in, if any, is then dropped (one index per column is enough). When the column
 * has duplicates, the unique index is not created: the plain stand-in is kept or created instead,
 * so queries stay fast, and a warning says which values to clean up before `install()` tries again.
 * An existing install never fails over its data.
 * @internal
 */
export async function columnIndexSql(
  client: PgClientLike,
  schema: string,
  plan: MappingSchema,
): Promise<ColumnIndexPlan> {
  const specs = columnIndexSpecs(plan)
  const result: ColumnIndexPlan = { statements: [], standIns: new Map(), warnings: [] }
  if (specs.length === 0) return result
  const table = plan.mapping.table
  const { rows } = await client.query<{ name: string; is_unique: boolean; col: string | null }>(
    `SELECT i.relname AS name, x.indisunique AS is_unique,
            CASE WHEN x.indnatts = 1 AND x.indexprs IS NULL AND x.indpred IS NULL THEN a.attname END AS col
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
     WHERE x.indrelid = to_regclass($1) AND x.indisvalid`,
    [format('%I.%I', schema, table)],
  )
  const existing = new Map(rows.map((r) => [r.name, r]))
  const create = (spec: ColumnIndexSpec, name: string, unique: boolean) =>
    format(
      `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS %I ON %I.%I (%I)`,
      name,
      schema,
      table,
      spec.column,
    )
  for (const spec of specs) {
    if (!spec.unique || !spec.standIn) {
      result.statements.push(create(spec, spec.name, false))
      continue
    }
    const standIn = existing.get(spec.standIn)
    const ownStandIn = standIn !== undefined && !standIn.is_unique && standIn.col === spec.column
    if (existing.get(spec.name)?.is_unique) {
      if (ownStandIn) result.statements.push(format('DROP INDEX %I.%I', schema, spec.standIn))
      continue
    }
    const duplicates = await client.query<{ value: string; n: number }>(
      format(
        `SELECT %1$I::text AS value, count(*)::int AS n FROM %2$I.%3$I WHERE %1$I IS NOT NULL
         GROUP BY %1$I HAVING count(*) > 1 ORDER BY count(*) DESC, 1 LIMIT 3`,
        spec.column,
        schema,
        table,
      ),
    )
    if (duplicates.rows.length === 0) {
      result.statements.push(create(spec, spec.name, true))
      if (ownStandIn) result.statements.push(format('DROP INDEX %I.%I', schema, spec.standIn))
      continue
    }
    result.statements.push(create(spec, spec.standIn, false))
    result.standIns.set(spec.name, {
      table,
      kind: 'index',
      name: spec.standIn,
      target: spec.column,
    })
    const examples = duplicates.rows.map((r) => `"${r.value}" (${r.n} rows)`).join(', ')
    result.warnings.push(
      `${table}.${spec.column} holds duplicate values (${examples}${duplicates.rows.length === 3 ? ', …' : ''}): unique index ${spec.name} not created, plain index ${spec.standIn} stands in; remove the duplicates and run install() again`,
    )
  }
  return result
}
