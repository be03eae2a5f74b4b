import format from 'pg-format'
import type { ColumnSpec, MappingSchema } from '../mappings/mapping-schema.js'
import type { SObjectRecord } from '../salesforce/salesforce-types.js'
import type { StoreTransaction } from '../store/sync-store.js'
import type { ApplyCounts } from './apply-records.js'
import { asParameter, castType } from './column-parameter.js'
import { fieldValue } from './record-field.js'

/**
 * Writes `columns` of the rows of `records` (matched on sfid) and nothing else, set-based, in the
 * caller's engine transaction (not captured): the backfill of columns a mapping gained
 * (docs/guides/mappings.md, "When Salesforce changes"). Other columns, `_hc_lastop` and
 * `systemmodstamp` are left as they are; so is a column the row has a change to waiting in
 * `_trigger_log` (the push sends the app's value), or one a push sent and settled since `readFromMs`
 * (the database's clock before `records` were read: Salesforce may have answered with the value
 * before that push, and the row holds the pushed one). Records without a row are skipped: a backfill
 * never inserts. A value Postgres refuses fails the statement, for the caller (`PageApplier`) to
 * isolate its record.
 * @internal
 */
export async function applyBackfill(
  tx: StoreTransaction,
  plan: MappingSchema,
  columns: readonly ColumnSpec[],
  records: readonly SObjectRecord[],
  readFromMs: number,
): Promise<ApplyCounts> {
  const live = records.filter((r): r is SObjectRecord & { Id: string } => typeof r.Id === 'string')
  const counts: ApplyCounts = { inserted: 0, updated: 0, deleted: 0 }
  if (live.length === 0 || columns.length === 0) return counts
  const table = plan.mapping.table
  const sfids = live.map((r) => r.Id)
  // The rows are locked first, in id order: a change the app commits from now on waits for this
  // transaction, and one committed before is in the log the next statement reads. Otherwise an
  // app change committed between reading the log and the UPDATE would be written over.
  if (plan.mapping.access === 'read_write')
    await tx.client.query(
      format(
        'SELECT 1 FROM %I.%I WHERE sfid = ANY($1::varchar[]) ORDER BY id FOR NO KEY UPDATE',
        tx.schema,
        table,
      ),
      [sfids],
    )
  const waiting =
    plan.mapping.access === 'read_write'
      ? await tx.unsentChanges.waitingColumns(
          table,
          sfids,
          columns.map((c) => c.column),
          readFromMs,
        )
      : new Map<string, Set<string>>()
  const parameters: unknown[] = [sfids]
  const aliases = ['sfid']
  const types = ['text[]']
  const values: string[] = []
  columns.forEach((column, i) => {
    parameters.push(live.map((r) => asParameter(fieldValue(r, column.field), column)))
    parameters.push(live.map((r) => waiting.get(r.Id)?.has(column.column) === true))
    aliases.push(`v${i}`, `k${i}`)
    types.push('text[]', 'boolean[]')
    const name = format.ident(column.column)
    values.push(`CASE WHEN u.k${i} THEN t.${name} ELSE u.v${i}::${castType(column.pgType)} END`)
  })
  const names = columns.map((c) => `t.${format.ident(c.column)}`)
  const sql = `${format('UPDATE %I.%I AS t', tx.schema, table)}
    SET ${columns.map((c, i) => `${format.ident(c.column)} = ${values[i]}`).join(', ')}
    FROM unnest(${types.map((type, i) => `$${i + 1}::${type}`).join(', ')}) AS u(${aliases.join(', ')})
    WHERE t.sfid = u.sfid AND (${names.join(', ')}) IS DISTINCT FROM (${values.join(', ')})`
  const result = await tx.client.query(sql, parameters)
  counts.updated = result.rowCount ?? 0
  return counts
}
