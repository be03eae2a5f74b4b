import format from 'pg-format'
import { SalesforceApiError } from '../errors/salesforce-api-error.js'
import type { MappingSchema } from '../mappings/mapping-schema.js'
import type { ChangeCapture, ChangeEvent } from '../runs/change-event.js'
import type { SalesforceAdapter } from '../salesforce/salesforce-adapter.js'
import { toIsoInstant } from '../salesforce/salesforce-datetime.js'
import type { SyncStore } from '../store/sync-store.js'

const DAY = 86_400_000

/**
 * Finds records deleted and already purged from the recycle bin (hard deletes, emptied bins),
 * which `queryAll` can no longer see, with `getDeleted` over the window since the last check, and
 * removes (or soft-deletes) their rows. The window's end is stored in `_pgforce_cursor` in the
 * same transaction. Salesforce asks callers not to poll `getDeleted` more than every 5 minutes,
 * so checks closer than `minIntervalMs` are skipped. The rows are changed once `notBefore`
 * settles (the pages of the pull it runs beside are applied). Returns how many rows it removed.
 * @internal
 */
export async function applyHardDeletes(
  store: SyncStore,
  salesforce: SalesforceAdapter,
  plan: MappingSchema,
  minIntervalMs: number,
  report: {
    readonly changes: ChangeCapture
    readonly onChange: (change: ChangeEvent) => void
  } = { changes: () => undefined, onChange: () => {} },
  notBefore: Promise<unknown> = Promise.resolve(),
): Promise<number> {
  const table = plan.mapping.table
  const now = Date.now()
  const covered = (await store.cursors.deletedUpTo(table))?.getTime()
  if (covered !== undefined && now - covered < minIntervalMs) return 0
  // First check: the last day (the initial load saw everything older); never past 29 days.
  const start = new Date(Math.max(covered ?? now - DAY, now - 29 * DAY))
  let result: Awaited<ReturnType<typeof salesforce.getDeleted>>
  try {
    result = await salesforce.getDeleted(plan.object, start, new Date(now))
  } catch (error) {
    // A window Salesforce will not answer (too short, or too old): try again next time.
    if (error instanceof SalesforceApiError && error.errorCode === 'INVALID_REPLICATION_DATE')
      return 0
    throw error
  }
  await notBefore.catch(() => {})
  const ids = result.deletedRecords.map((d) => d.id)
  const soft = plan.mapping.deleteMode === 'soft'
  const request = report.changes()
  const changes: ChangeEvent[] = []
  const removed = await store.transaction(async (tx) => {
    const { client, schema } = tx
    let removed = 0
    if (ids.length > 0) {
      const sql = soft
        ? format(
            `UPDATE %I.%I SET isdeleted = true, _hc_lastop = 'SYNCED' WHERE sfid = ANY($1::varchar[]) AND isdeleted IS DISTINCT FROM true`,
            schema,
            table,
          )
        : format('DELETE FROM %I.%I WHERE sfid = ANY($1::varchar[])', schema, table)
      const done = await client.query<{ id: number; sfid: string }>(
        request ? `${sql} RETURNING id, sfid` : sql,
        [ids],
      )
      removed = done.rowCount ?? 0
      for (const row of request ? done.rows : []) {
        changes.push({
          direction: 'pull',
          mapping: plan.object,
          action: soft ? 'UPDATE' : 'DELETE',
          sfid: row.sfid,
          recordId: Number(row.id),
          columns: soft ? ['isdeleted'] : [],
          ...(soft && request?.values ? { values: { isdeleted: true } } : {}),
        })
      }
    }
    await tx.cursors.writeDeletedUpTo(
      table,
      toIsoInstant(result.latestDateCovered) ?? new Date(now).toISOString(),
    )
    return removed
  })
  for (const change of changes) report.onChange(change)
  return removed
}
