import format from 'pg-format'
import type { Queryable } from './queryable.js'

/** Records of a table waiting to be read again by id: whether any wait, and those due. */
export interface DueRecords {
  readonly any: boolean
  readonly due: string[]
}

/**
 * What a pull needs to know of the records a bookkeeping table (`_pgforce_pull_failure`,
 * `_pgforce_pull_recheck`) holds for a mapped table before it starts: whether there are any
 * (only then do pages look them up or clear them), and up to `limit` whose time `dueColumn` has
 * come, longest waiting first. One statement. @internal
 */
export async function dueRecords(
  db: Queryable,
  schema: string,
  from: { readonly relation: string; readonly dueColumn: string },
  table: string,
  limit: number,
): Promise<DueRecords> {
  const { rows } = await db.query<{ any: boolean; due: string[] }>(
    format(
      `SELECT EXISTS (SELECT 1 FROM %1$I.%2$I WHERE table_name = $1) AS any,
              ARRAY(SELECT sfid::text FROM %1$I.%2$I
                    WHERE table_name = $1 AND %3$I <= now()
                    ORDER BY %3$I, sfid LIMIT $2) AS due`,
      schema,
      from.relation,
      from.dueColumn,
    ),
    [table, limit],
  )
  return { any: rows[0]?.any === true, due: rows[0]?.due ?? [] }
}
