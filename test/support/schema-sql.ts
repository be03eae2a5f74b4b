import type pg from 'pg'

/** Runs `text` on `pool` with `$schema` replaced by the quoted schema name; resolves with the rows. */
export async function schemaSql(
  pool: pg.Pool,
  schema: string,
  text: string,
  values: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  return (await pool.query(text.replaceAll('$schema', `"${schema}"`), values)).rows
}
