import format from 'pg-format'
import type { MappingSchema } from '../../mappings/mapping-schema.js'
import type { PgClientLike } from '../pg-pool-like.js'
import { columnIndexSpecs } from './column-indexes.js'
import {
  columnIndexName,
  cutTableObjectNames,
  type TableObjectNames,
  tableObjectNames,
} from './derived-name.js'

/** The roles of {@link TableObjectNames} that name a trigger or an index (not a function). */
const ROLES = [
  'logTrigger',
  'statusTrigger',
  'sfidIndex',
  'systemmodstampIndex',
] as const satisfies readonly (keyof TableObjectNames)[]

/**
 * Statements, per mapped table, that move the table's triggers and indexes off the names Postgres
 * cut to 63 bytes (created by earlier pgforce versions, or by Heroku Connect, under names too long
 * to keep) onto the names `install()` now gives them, found with one catalog query:
 *
 * - a capture trigger under a cut name is dropped (`install()` then creates it under its new
 *   name; kept, it would capture every change twice);
 * - an index under a cut name is renamed, which keeps it without rebuilding it, unless its new
 *   name is already taken.
 *
 * Functions under cut names are left alone: a trigger of another table may still run one (two
 * tables whose names begin alike shared one), and unused they do nothing.
 * @internal
 */
export async function cutNameSql(
  client: PgClientLike,
  schema: string,
  plans: readonly MappingSchema[],
): Promise<Map<string, string[]>> {
  const candidates = plans.flatMap((plan) => {
    const table = plan.mapping.table
    const cut = cutTableObjectNames(table)
    const now = tableObjectNames(table)
    // The column an index role indexes; triggers have none.
    const columns: Record<(typeof ROLES)[number], string | undefined> = {
      logTrigger: undefined,
      statusTrigger: undefined,
      sfidIndex: 'sfid',
      systemmodstampIndex: 'systemmodstamp',
    }
    const moves: { table: string; old?: string; name: string; column?: string }[] = ROLES.map(
      (role) => ({ table, old: cut[role], name: now[role], column: columns[role] }),
    )
    // Column indexes under either prefix (a unique index's plain stand-in, and the plain index
    // earlier versions made for the external id, are `hc_idx_`).
    for (const spec of columnIndexSpecs(plan)) {
      for (const unique of spec.unique ? [true, false] : [false]) {
        const old = columnIndexName(table, spec.column, unique, 'cut')
        moves.push({
          table,
          old,
          name: columnIndexName(table, spec.column, unique),
          column: spec.column,
        })
      }
    }
    const current = new Set(moves.map((m) => m.name))
    return moves.flatMap((m) =>
      m.old === undefined || current.has(m.old) ? [] : [{ ...m, old: m.old }],
    )
  })
  const statements = new Map<string, string[]>()
  if (candidates.length === 0) return statements
  const { rows } = await client.query<{ table_name: string; name: string; col: string | null }>(
    `SELECT c.relname AS table_name, t.tgname AS name, NULL AS col
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = to_regnamespace($1) AND NOT t.tgisinternal
       AND (c.relname::text, t.tgname::text) IN (SELECT * FROM unnest($2::text[], $3::text[]))
     UNION ALL
     SELECT c.relname, i.relname, a.attname
     FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
     WHERE c.relnamespace = to_regnamespace($1)
       AND (c.relname::text, i.relname::text) IN (SELECT * FROM unnest($2::text[], $3::text[]))
     UNION ALL
     SELECT NULL, relname, NULL FROM pg_class
     WHERE relnamespace = to_regnamespace($1) AND relname = ANY($4::text[])`,
    [
      schema,
      candidates.map((c) => c.table),
      candidates.map((c) => c.old),
      candidates.map((c) => c.name),
    ],
  )
  const taken = new Set(rows.filter((r) => r.table_name === null).map((r) => r.name))
  const done = new Set<string>()
  for (const c of candidates) {
    const found = rows.find(
      (r) => r.table_name === c.table && r.name === c.old && (r.col ?? undefined) === c.column,
    )
    const key = `${c.table}\u0000${c.old}`
    if (!found || done.has(key)) continue
    done.add(key)
    const list = statements.get(c.table) ?? []
    if (c.column === undefined) {
      list.push(format('DROP TRIGGER %I ON %I.%I', c.old, schema, c.table))
    } else if (!taken.has(c.name)) {
      list.push(format('ALTER INDEX %I.%I RENAME TO %I', schema, c.old, c.name))
      taken.add(c.name)
    }
    statements.set(c.table, list)
  }
  return statements
}
