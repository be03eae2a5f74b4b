import format from 'pg-format'
import type { MappingSchema } from '../../mappings/mapping-schema.js'
import type { PgClientLike } from '../pg-pool-like.js'
import { capturedColumns } from './capture-trigger-sql.js'

/**
 * One column as `_pgforce_mapping.columns` records it: the field, its column and type, whether
 * the capture trigger records it (`captured`, read by `hc_capture_*_from_row()`), and `gone` for
 * a field Salesforce deleted since (its column is kept). @internal
 */
export interface RecordedColumn {
  readonly field: string
  readonly column: string
  readonly type?: string
  readonly captured?: boolean
  readonly gone?: true
}

/** What `_pgforce_mapping.columns` holds for a plan: its columns, then its missing fields. @internal */
export function recordedColumns(plan: MappingSchema): RecordedColumn[] {
  const captured = new Set(capturedColumns(plan).map((c) => c.column))
  return [
    ...plan.columns.map((c) => ({
      field: c.field,
      column: c.column,
      type: c.pgType,
      captured: captured.has(c.column),
    })),
    ...(plan.missing ?? []).map((m) => ({ field: m.field, column: m.column, gone: true as const })),
  ]
}

/**
 * Records in `_pgforce_mapping` what is installed for a mapping (its object, access and columns,
 * missing fields included, so a restart still knows their columns are pgforce's), in the caller's
 * transaction; an unchanged row is not rewritten. @internal
 */
export async function recordMapping(
  client: PgClientLike,
  schema: string,
  plan: MappingSchema,
): Promise<void> {
  await client.query(
    format(
      `INSERT INTO %I._pgforce_mapping (table_name, object_name, access, columns) VALUES ($1, $2, $3, $4)
       ON CONFLICT (table_name) DO UPDATE SET object_name = excluded.object_name, access = excluded.access,
         columns = excluded.columns, updated_at = now()
       WHERE (_pgforce_mapping.object_name, _pgforce_mapping.access, _pgforce_mapping.columns)
         IS DISTINCT FROM (excluded.object_name, excluded.access, excluded.columns)`,
      schema,
    ),
    [plan.mapping.table, plan.object, plan.mapping.access, JSON.stringify(recordedColumns(plan))],
  )
}

/**
 * Asks the next pulls of `table` to load `columns` for the rows it has (a field added to the
 * mapping, or back in Salesforce), in the caller's transaction: rows of `_pgforce_backfill`,
 * which the pull removes once they are loaded (docs/guides/mappings.md, "When Salesforce
 * changes"). Nothing is asked for a table without synced rows: the first load fills them. @internal
 */
export async function requestBackfill(
  client: PgClientLike,
  schema: string,
  table: string,
  columns: readonly string[],
): Promise<void> {
  if (columns.length === 0) return
  await client.query(
    format(
      `INSERT INTO %1$I._pgforce_backfill (table_name, column_name)
       SELECT $1, c FROM unnest($2::text[]) AS c
       WHERE EXISTS (SELECT 1 FROM %1$I.%2$I WHERE sfid IS NOT NULL)
       ON CONFLICT (table_name, column_name) DO UPDATE SET requested_at = now(), last_id = NULL`,
      schema,
      table,
    ),
    [table, columns],
  )
}
