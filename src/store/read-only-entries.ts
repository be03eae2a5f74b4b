import format from 'pg-format'
import type { Queryable } from './queryable.js'

/** Why the entries {@link markUnsentReadOnly} marks were not sent, in their `sf_message`. */
export const SWITCHED_TO_READ_ONLY = 'not sent: the mapping was switched to read_only'

/**
 * Marks the entries of `table` still waiting to be sent (NEW, or PENDING: claimed by a push that
 * may still commit its outcome) `READONLY`: its mapping is read-only now, and pgforce never writes
 * Salesforce for a read-only mapping (docs/guides/mappings.md, "Switching a mapping to
 * read_only"). They stay in `_trigger_log` for inspection, with `sf_message` saying why; `status()`
 * no longer counts them. Runs in `install()`'s transaction. Returns how many were marked.
 * @internal
 */
export async function markUnsentReadOnly(
  db: Queryable,
  schema: string,
  table: string,
): Promise<number> {
  const result = await db.query(
    format(
      `UPDATE %I._trigger_log SET state = 'READONLY', sf_message = $2, updated_at = now()
       WHERE table_name = $1 AND state IN ('NEW', 'PENDING')`,
      schema,
    ),
    [table, SWITCHED_TO_READ_ONLY],
  )
  return result.rowCount ?? 0
}
