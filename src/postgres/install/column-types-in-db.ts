import type { PgPoolLike } from '../pg-pool-like.js'

/**
 * The types of the columns of `tables` in `schema` as the catalog spells them (`character
 * varying(40)`, `double precision`), by table then column. Tables that do not exist are absent.
 * @internal
 */
export async function columnTypesInDb(
  db: Pick<PgPoolLike, 'query'>,
  schema: string,
  tables: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const { rows } = await db.query<{ table_name: string; column_name: string; type: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name,
            format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')
       AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, tables],
  )
  const types = new Map<string, Map<string, string>>()
  for (const row of rows) {
    const columns = types.get(row.table_name) ?? new Map<string, string>()
    columns.set(row.column_name, row.type)
    types.set(row.table_name, columns)
  }
  return types
}
